// Pins the in-stream faults: an error event after some chunks and a dropped connection both make the
// SDK's iteration throw after the chunks already delivered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIError } from 'openai';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { omniClient } from './testkit.ts';
import type { Chunk } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

async function readUntilThrow(): Promise<{ chunks: Chunk[]; error: unknown }> {
  const stream = await omniClient(fake).chat.completions.create({
    model: 'qwen3-omni-flash',
    messages: [{ role: 'user', content: 'Hi' }],
    modalities: ['text', 'audio'],
    audio: { voice: 'Cherry', format: 'wav' },
    stream: true,
  });
  const chunks: Chunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

test('an error event mid-stream throws an APIError with its code', async () => {
  fake.script({
    text: 'one two three four',
    midStreamError: { afterChunks: 3, code: 'data_inspection_failed', message: 'Output data may contain inappropriate content.' },
  });
  const { chunks, error } = await readUntilThrow();
  assert.equal(chunks.length, 3);
  assert.ok(error instanceof APIError);
  assert.equal(error.code, 'data_inspection_failed');
  assert.match(error.message, /inappropriate content/u);
  assert.equal(await fake.requests.at(-1)?.aborted, false);
});

test('a dropped connection mid-stream makes iteration throw', async () => {
  fake.script({ audio: { toneHz: 440, seconds: 0.5 }, dropAfterChunks: 5 });
  const { chunks, error } = await readUntilThrow();
  assert.ok(chunks.length <= 5);
  assert.ok(error instanceof Error, 'iteration throws');
  // The fake cut the connection itself: that is not a client abort.
  assert.equal(await fake.requests.at(-1)?.aborted, false);
});

test('a stalled reply sends the status and headers, then nothing until the client hangs up', async () => {
  fake.script({ text: 'never sent', stallAfterChunks: 0 });
  const controller = new AbortController();
  const stream = await omniClient(fake).chat.completions.create(
    { model: 'qwen3-omni-flash', messages: [{ role: 'user', content: 'Hi' }], stream: true },
    { signal: controller.signal },
  );
  const chunks: Chunk[] = [];
  const reading = (async () => {
    for await (const chunk of stream) chunks.push(chunk);
  })().catch(() => {});
  // The response is open (the SDK returned the stream), and the fake has sent no chunk.
  controller.abort();
  await reading;
  assert.equal(chunks.length, 0);
  assert.equal(await fake.requests.at(-1)?.aborted, true, 'only the client ended it');
});

test('a malformed event mid-stream makes iteration throw after the chunks before it', async () => {
  fake.script({ text: 'one two three four', malformedAfterChunks: 2 });
  const { chunks, error } = await readUntilThrow();
  assert.equal(chunks.length, 2);
  assert.ok(error instanceof Error, 'iteration throws');
});

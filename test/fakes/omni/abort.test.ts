// Pins that a client abort (AbortController passed to create) is seen by the fake as an aborted request,
// both mid-stream and while waiting for the first byte, and that a completed stream is not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIUserAbortError } from 'openai';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, omniClient } from './testkit.ts';
import type { OmniDelta } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: true });
});
after(() => fake.close());

const body = {
  model: 'qwen3-omni-flash',
  messages: [{ role: 'user' as const, content: 'Tell me a long story' }],
  modalities: ['text' as const, 'audio' as const],
  audio: { voice: 'Ryan' as const, format: 'wav' as const },
  stream: true as const,
};

test('aborting mid-stream releases the connection', async () => {
  fake.script({ text: 'Once upon a time', audio: { toneHz: 440, seconds: 30 } });
  const controller = new AbortController();
  const stream = await omniClient(fake).chat.completions.create(body, { signal: controller.signal });
  const request = await fake.nextRequest();
  try {
    // SDK v7 ends the iteration quietly on abort (older versions threw APIUserAbortError).
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta as OmniDelta | undefined)?.audio?.data) controller.abort();
    }
  } catch (error) {
    assert.ok(error instanceof APIUserAbortError, String(error));
  }
  assert.ok(controller.signal.aborted);
  assert.equal(await request.aborted, true);
  // 30 s in 80 ms chunks is 375: the fake stopped sending when the client hung up.
  assert.ok(request.audioChunksSentAt.length < 375, `the 30 s reply was not played out (${request.audioChunksSentAt.length} of 375 chunks sent)`);
});

test('aborting before the first byte is seen too', async () => {
  fake.script({ firstByteDelayMs: 30_000 });
  const controller = new AbortController();
  const pending = omniClient(fake).chat.completions.create(body, { signal: controller.signal });
  const request = await fake.nextRequest();
  controller.abort();
  await assert.rejects(pending, APIUserAbortError);
  assert.equal(await request.aborted, true);
});

test('a stream read to the end is not aborted', async () => {
  fake.script({ text: 'Short.', audio: { toneHz: 440, seconds: 0.1 } });
  await collect(await omniClient(fake).chat.completions.create(body));
  assert.equal(await (await fake.nextRequest()).aborted, false);
});

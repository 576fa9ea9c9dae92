// Pins pacing: with realtime on, audio chunks arrive at their playback times (80 ms apart for 3840-byte
// chunks); firstByteDelayMs delays the response; chunkIntervalMs spaces every content chunk.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, omniClient } from './testkit.ts';
import type { OmniDelta, StreamingBody } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: true });
});
after(() => fake.close());

const body: StreamingBody = {
  model: 'qwen3-omni-flash',
  messages: [{ role: 'user', content: 'Hi' }],
  modalities: ['text', 'audio'],
  audio: { voice: 'Cherry', format: 'wav' },
  stream: true,
};

test('audio chunks arrive at playback pace', async () => {
  fake.script({ text: 'Hi.', audio: { toneHz: 440, seconds: 0.48 } }); // 6 chunks of 80 ms
  const got = await collect(await omniClient(fake).chat.completions.create(body));
  const audioTimes = got.chunks
    .map((chunk, i) => ((chunk.choices[0]?.delta as OmniDelta | undefined)?.audio?.data ? got.arrivals[i] : undefined))
    .filter((t) => t !== undefined);
  assert.equal(audioTimes.length, 6);
  // Pacing is the fake's sending schedule (what the client's event loop adds on arrival is not the fake's):
  // chunk i leaves 80·i ms after the first, never earlier. No upper bound: a busy machine only makes it later.
  const sentAt = fake.requests.at(-1)!.audioChunksSentAt;
  assert.equal(sentAt.length, 6);
  for (const [i, at] of sentAt.entries()) assert.ok(at - sentAt[0]! >= i * 80 - 2, `chunk ${i} sent ${(at - sentAt[0]!).toFixed(0)} ms after the first`);
  // And nothing arrives ahead of its time.
  assert.ok(audioTimes.at(-1)! - sentAt[0]! >= 5 * 80 - 2, 'the last chunk arrived early');
});

test('firstByteDelayMs delays the response', async () => {
  fake.script({ text: 'Late.', firstByteDelayMs: 150, audio: new Int16Array(0) });
  const started = performance.now();
  const stream = await omniClient(fake).chat.completions.create(body);
  assert.ok(performance.now() - started >= 140);
  await collect(stream);
});

test('chunkIntervalMs spaces every content chunk', async () => {
  fake.script({ text: 'a b c d e f', audio: new Int16Array(0), chunkIntervalMs: 60 });
  const got = await collect(await omniClient(fake).chat.completions.create(body));
  // Role, three text chunks, finish: the four chunks after the role are 60 ms apart.
  assert.equal(got.chunks.length, 5);
  const span = got.arrivals.at(-1)! - got.arrivals[0]!;
  assert.ok(span >= 4 * 60 - 20, `span ${span.toFixed(0)} ms`);
});

// The main thread's side of worker-read model streams, without a worker: the request goes over as its JSON
// body, events come back in order, each audio chunk (and any part of it) knows its place in the stream, a
// RemotePlayback playing such audio tells the worker where it came from, and leaving early or losing the
// worker ends the stream the way the session expects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import { DEFAULT_MODEL_ID, MODELS } from '../../src/omni/catalogue.ts';
import type { OmniEvent } from '../../src/omni/events.ts';
import type { ToWorker } from '../../src/voiceWorker/protocol.ts';
import { RemotePlayback, type WorkerChannel } from '../../src/voiceWorker/RemoteGuildVoice.ts';
import { streamPosition, WorkerReplyStreamer } from '../../src/voiceWorker/WorkerReplyStreamer.ts';

function setUp() {
  const posted: ToWorker[] = [];
  let ids = 0;
  const streamer = new WorkerReplyStreamer({ post: (message) => posted.push(message), nextStreamId: () => ++ids });
  const request = { model: MODELS[DEFAULT_MODEL_ID]!, system: 'Be brief.', turns: [{ role: 'user' as const, text: 'Hello' }], voice: 'Cherry' };
  return { posted, streamer, request };
}

const pcmOf = (...samples: number[]): ArrayBuffer => Int16Array.from(samples).buffer;

test('events come back in order; audio chunks and their parts know their stream offsets', async () => {
  const { posted, streamer, request } = setUp();
  const events = streamer.stream(request, { maxAttempts: 1 });
  const first = events.next();
  const start = posted[0];
  assert.equal(start?.type, 'model-stream');
  assert.equal(start?.type === 'model-stream' ? start.maxAttempts : undefined, 1);
  const body = start?.type === 'model-stream' ? JSON.parse(Buffer.from(start.body).toString()) : undefined;
  assert.equal(body.messages.at(-1).content, 'Hello', 'the request crosses as its JSON body');

  streamer.receive({ type: 'model-event', streamId: 1, event: { type: 'text', text: 'Hi' } });
  streamer.receive({ type: 'model-audio', streamId: 1, pcm: pcmOf(1, 2, 3) });
  streamer.receive({ type: 'model-audio', streamId: 1, pcm: pcmOf(4, 5) });
  streamer.receive({ type: 'model-done', streamId: 1 });
  const got: OmniEvent[] = [(await first).value as OmniEvent];
  for await (const event of { [Symbol.asyncIterator]: () => events }) got.push(event);
  assert.deepEqual(
    got.map((e) => e.type),
    ['text', 'audio', 'audio'],
  );
  const [, a, b] = got as [OmniEvent, Extract<OmniEvent, { type: 'audio' }>, Extract<OmniEvent, { type: 'audio' }>];
  assert.deepEqual(streamPosition(a.pcm), { streamId: 1, offset: 0 });
  assert.deepEqual(streamPosition(b.pcm), { streamId: 1, offset: 3 });
  assert.deepEqual(streamPosition(a.pcm.subarray(1, 2)), { streamId: 1, offset: 1 }, 'a part keeps its place');
  assert.equal(streamPosition(new Int16Array(3)), undefined, 'other audio has none');
  assert.equal(posted.length, 1, 'a stream that ended by itself is not cancelled');
});

test('a reply playing worker-read audio names its place, and its end names where it stops', async () => {
  const posted: ToWorker[] = [];
  const channel: WorkerChannel = {
    workerId: 1,
    modelStreamer: undefined,
    post: (message) => posted.push(message),
    nextReplyId: () => 7,
    trackReply: () => {},
  };
  const { streamer, request } = setUp();
  const events = streamer.stream(request, {});
  const next = events.next();
  streamer.receive({ type: 'model-audio', streamId: 1, pcm: pcmOf(1, 2, 3) });
  const { pcm } = (await next).value as Extract<OmniEvent, { type: 'audio' }>;
  const reply = new RemotePlayback(channel, 'g1', { jitterMs: 100 });
  reply.push(pcm.subarray(0, 2));
  reply.end();
  const audio = posted.find((m) => m.type === 'reply-audio');
  assert.deepEqual(audio?.type === 'reply-audio' ? audio.from : undefined, { streamId: 1, offset: 0 });
  assert.deepEqual(posted.at(-1), { type: 'reply-end', replyId: 7, until: 2 });
  await events.return(undefined);
});

test('leaving before the end cancels the request on the worker', async () => {
  const { posted, streamer, request } = setUp();
  const controller = new AbortController();
  const events = streamer.stream(request, { signal: controller.signal });
  const next = events.next();
  controller.abort();
  assert.deepEqual(await next, { value: undefined, done: true }, 'an aborted stream ends quietly');
  assert.deepEqual(posted.at(-1), { type: 'model-abort', streamId: 1 });
});

test("a failure on the worker is the session's OmniError; a lost worker fails its streams", async () => {
  const { streamer, request } = setUp();
  const failing = streamer.stream(request, {});
  const failed = failing.next();
  streamer.receive({
    type: 'model-done',
    streamId: 1,
    error: { kind: 'rate_limited', message: '429', userMessage: 'Busy.', retryable: true, retryAfterMs: 900 },
  });
  await assert.rejects(failed, (error: unknown) => error instanceof OmniError && error.kind === 'rate_limited' && error.retryAfterMs === 900);

  const orphan = streamer.stream(request, {});
  const lost = orphan.next();
  streamer.lost('voice worker 1 stopped');
  await assert.rejects(lost, (error: unknown) => error instanceof OmniError && error.kind === 'connection');
});

// The worker's side of model streams, without threads or HTTP: a reply that follows a stream gets every
// sample once and in order, from the stream itself while the main thread is silent (busy) and from either copy
// when both come; a stream read before its turn was committed plays from the start once followed; a cancelled
// stream ends where the main thread says; the length limit cuts stream and reply alike; failures cross as
// OmniError fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import type { StreamOptions } from '../../src/omni/client.ts';
import type { OmniEvent } from '../../src/omni/events.ts';
import type { PlaybackHandle } from '../../src/playback/VoiceOutput.ts';
import { ModelStreams } from '../../src/voiceWorker/ModelStreams.ts';
import type { FromWorker } from '../../src/voiceWorker/protocol.ts';

/** A model stream the test feeds event by event. */
class ScriptedStream {
  readonly #queue: Array<OmniEvent | Error | 'end'> = [];
  #wake: (() => void) | undefined;
  signal: AbortSignal | undefined;

  send(item: OmniEvent | Error | 'end'): void {
    this.#queue.push(item);
    this.#wake?.();
  }

  async *events(signal: AbortSignal | undefined): AsyncGenerator<OmniEvent> {
    this.signal = signal;
    for (;;) {
      while (this.#queue.length === 0) {
        if (signal?.aborted) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      const item = this.#queue.shift()!;
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}

/** What a reply received: its samples in order, and whether it was ended. */
class RecordingReply implements PlaybackHandle {
  readonly samples: number[] = [];
  ended = false;
  readonly started = true;
  readonly finished = Promise.resolve(0);
  get receivedMs(): number {
    return this.samples.length / 24;
  }
  push(pcm: Int16Array): void {
    this.samples.push(...pcm);
  }
  end(): void {
    this.ended = true;
  }
  stop(): void {}
}

/** Samples numbered from `from`: a reply's content shows exactly which stream samples it got. */
function ramp(from: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => from + i);
}

function setUp(maxReplyMs = 60_000) {
  const stream = new ScriptedStream();
  const posted: FromWorker[] = [];
  let options: StreamOptions | undefined;
  const streams = new ModelStreams({
    client: {
      streamBody: (_body: Uint8Array, streamOptions: StreamOptions = {}) => {
        options = streamOptions;
        return stream.events(streamOptions.signal);
      },
    },
    post: (message) => posted.push(message),
    maxReplyMs,
  });
  streams.start(1, new ArrayBuffer(2), 1);
  /** Lets the stream's reading loop take what was sent. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { stream, posted, streams, settle, options: () => options };
}

const audio = (pcm: Int16Array): OmniEvent => ({ type: 'audio', pcm });

test('a followed stream feeds its reply by itself: the main thread sends only the first chunk', async () => {
  const { stream, posted, streams, settle } = setUp();
  const reply = new RecordingReply();
  stream.send({ type: 'text', text: 'Hi' });
  stream.send(audio(ramp(0, 100)));
  await settle();
  // The session plays the first chunk (from its copy), then the main thread goes quiet.
  streams.offer(9, reply, ramp(0, 100), { streamId: 1, offset: 0 });
  stream.send(audio(ramp(100, 100)));
  stream.send(audio(ramp(200, 50)));
  stream.send({
    type: 'usage',
    usage: { input: { text: 1, audio: 0, image: 0, video: 0, total: 1 }, output: { text: 1, audio: 1, reasoning: 0, total: 2 }, total: 3 },
  });
  stream.send({ type: 'finish', reason: 'stop' });
  stream.send('end');
  await settle();
  assert.deepEqual(reply.samples, [...ramp(0, 250)], 'every sample once, in order');
  assert.ok(reply.ended, 'the stream ending by itself ends the reply');
  // Everything also went to the main thread, in order, audio as copies.
  assert.deepEqual(
    posted.map((m) => (m.type === 'model-event' ? m.event.type : m.type)),
    ['text', 'model-audio', 'model-audio', 'model-audio', 'usage', 'finish', 'model-done'],
  );
  const copies = posted.filter((m) => m.type === 'model-audio').map((m) => new Int16Array(m.pcm).length);
  assert.deepEqual(copies, [100, 100, 50]);
});

test("the main thread's late copies of chunks already played are dropped, and its end comes after", async () => {
  const { stream, streams, settle } = setUp();
  const reply = new RecordingReply();
  stream.send(audio(ramp(0, 100)));
  await settle();
  streams.offer(9, reply, ramp(0, 100), { streamId: 1, offset: 0 });
  stream.send(audio(ramp(100, 100)));
  stream.send(audio(ramp(200, 100)));
  await settle();
  // The main thread catches up: its copies (one cut in two, as the length limit does) add nothing.
  streams.offer(9, reply, ramp(100, 100), { streamId: 1, offset: 100 });
  streams.offer(9, reply, ramp(200, 60), { streamId: 1, offset: 200 });
  assert.deepEqual(reply.samples, [...ramp(0, 300)]);
  stream.send('end');
  await settle();
  assert.equal(streams.end(9, 260), true, 'the reply follows a stream');
  assert.deepEqual(reply.samples, [...ramp(0, 300)], 'nothing is played twice');
});

test('a stream read before its turn was committed plays from its start once followed, and ends with it', async () => {
  const { stream, streams, settle } = setUp();
  stream.send(audio(ramp(0, 80)));
  stream.send(audio(ramp(80, 80)));
  stream.send('end');
  await settle();
  const reply = new RecordingReply();
  streams.offer(4, reply, ramp(0, 80), { streamId: 1, offset: 0 });
  assert.deepEqual(reply.samples, [...ramp(0, 160)]);
  assert.ok(reply.ended);
});

test('a cancelled stream leaves the end to the main thread, at the offset it names', async () => {
  const { stream, streams, settle } = setUp();
  const reply = new RecordingReply();
  stream.send(audio(ramp(0, 100)));
  await settle();
  streams.offer(2, reply, ramp(0, 100), { streamId: 1, offset: 0 });
  streams.abort(1);
  await settle();
  assert.ok(stream.signal?.aborted, 'the request was cancelled');
  assert.equal(reply.ended, false, 'a cancelled stream does not end its reply');
  streams.end(2, 100);
  assert.ok(reply.ended);
  assert.deepEqual(reply.samples, [...ramp(0, 100)]);
});

test('the length limit cuts the stream where the session cuts the reply', async () => {
  // 10 ms at 24 kHz: 240 samples.
  const { stream, posted, streams, settle } = setUp(10);
  const reply = new RecordingReply();
  stream.send(audio(ramp(0, 200)));
  await settle();
  streams.offer(3, reply, ramp(0, 200), { streamId: 1, offset: 0 });
  stream.send(audio(ramp(200, 200)));
  stream.send(audio(ramp(400, 200)));
  stream.send('end');
  await settle();
  assert.deepEqual(reply.samples, [...ramp(0, 240)]);
  assert.ok(reply.ended);
  const copied = posted.filter((m) => m.type === 'model-audio').reduce((sum, m) => sum + m.pcm.byteLength / 2, 0);
  assert.equal(copied, 240, 'the main thread is sent no audio past the limit either');
});

test('a failure crosses as the OmniError it was, and ends a following reply with what arrived', async () => {
  const { stream, posted, streams, settle, options } = setUp();
  const reply = new RecordingReply();
  stream.send(audio(ramp(0, 50)));
  await settle();
  streams.offer(5, reply, ramp(0, 50), { streamId: 1, offset: 0 });
  stream.send(new OmniError({ kind: 'server', message: 'HTTP 500', userMessage: 'The model had a problem.', retryable: true, requestId: 'req-1' }));
  await settle();
  const done = posted.at(-1);
  assert.equal(done?.type, 'model-done');
  assert.deepEqual(done?.type === 'model-done' ? done.error : undefined, {
    kind: 'server',
    message: 'HTTP 500',
    userMessage: 'The model had a problem.',
    retryable: true,
    requestId: 'req-1',
  });
  assert.ok(reply.ended);
  assert.equal(options()?.maxAttempts, 1, 'the tries the main thread asked for');
});

test('a reply that never followed a stream is left to the main thread', () => {
  const { streams } = setUp();
  assert.equal(streams.end(42, undefined), false);
});

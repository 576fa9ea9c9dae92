// Pins the first-audio wait on its own, with a scripted stand-in for the client and the mock clock: events
// before the first audio are held (a retry drops them), a failure after audio is never retried, the retry
// waits for the service's Retry-After only inside the deadline, and the request id reaches the timeout error.
import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import type { StreamOptions } from '../../src/omni/client.ts';
import type { OmniEvent } from '../../src/omni/events.ts';
import type { OmniRequest } from '../../src/omni/request.ts';
import { streamWithFirstAudioDeadline, type FirstAudioStreamer } from '../../src/session/firstAudio.ts';

before(() => mock.timers.enable({ apis: ['setTimeout'] }));
after(() => mock.timers.reset());

const request = {} as OmniRequest;
const text = (t: string): OmniEvent => ({ type: 'text', text: t });
const audio: OmniEvent = { type: 'audio', pcm: new Int16Array(480) };
const failure = (retryAfterMs?: number) =>
  new OmniError({ kind: 'server', retryable: true, message: 'x', userMessage: 'The model service had an error.', ...(retryAfterMs ? { retryAfterMs } : {}) });

/** A client stand-in: each try plays the next script (events, then optionally a failure or a hang). */
function scripted(tries: Array<{ events: OmniEvent[]; end?: 'fail' | 'hang'; error?: OmniError }>) {
  const calls: StreamOptions[] = [];
  const streamer: FirstAudioStreamer = {
    async *stream(_request, options) {
      calls.push(options);
      options.onResponse?.({ requestId: `req-${calls.length}` });
      const script = tries[calls.length - 1]!;
      for (const event of script.events) yield event;
      if (script.end === 'fail') throw script.error ?? failure();
      if (script.end === 'hang') await new Promise((resolve) => options.signal?.addEventListener('abort', resolve));
    },
  };
  return { streamer, calls };
}

async function collect(events: AsyncIterable<OmniEvent>): Promise<{ events: OmniEvent[]; error?: unknown }> {
  const got: OmniEvent[] = [];
  try {
    for await (const event of events) got.push(event);
  } catch (error) {
    return { events: got, error };
  }
  return { events: got };
}

const options = (signal = new AbortController().signal) => ({ deadlineMs: 8000, signal });

test('text that came before a failed try is dropped; the retry is asked with no client retries of its own', async () => {
  const { streamer, calls } = scripted([{ events: [text('lost')], end: 'fail' }, { events: [text('kept'), audio] }]);
  const result = collect(streamWithFirstAudioDeadline(streamer, request, options()));
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(250);
  const { events, error } = await result;
  assert.equal(error, undefined);
  assert.deepEqual(
    events.map((e) => (e.type === 'text' ? e.text : e.type)),
    ['kept', 'audio'],
  );
  assert.deepEqual(
    calls.map((c) => c.maxAttempts),
    [1, 1],
  );
});

test('a failure after audio came is thrown as it is, not retried', async () => {
  const { streamer, calls } = scripted([{ events: [text('a'), audio], end: 'fail' }, { events: [audio] }]);
  const { events, error } = await collect(streamWithFirstAudioDeadline(streamer, request, options()));
  assert.ok(error instanceof OmniError && error.kind === 'server');
  assert.equal(events.length, 2);
  assert.equal(calls.length, 1);
});

test('a Retry-After as long as the deadline is not waited out', async () => {
  const { streamer, calls } = scripted([{ events: [], end: 'fail', error: failure(8000) }, { events: [audio] }]);
  const { error } = await collect(streamWithFirstAudioDeadline(streamer, request, options()));
  assert.ok(error instanceof OmniError && error.kind === 'server');
  assert.equal(calls.length, 1);
});

test('the deadline passing during the pause before the retry ends the turn with the failure itself', async () => {
  const { streamer, calls } = scripted([{ events: [], end: 'fail', error: failure(7000) }, { events: [audio] }]);
  const result = collect(streamWithFirstAudioDeadline(streamer, request, { deadlineMs: 7500, signal: new AbortController().signal }));
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(7500);
  const { error } = await result;
  assert.ok(error instanceof OmniError && error.kind === 'server');
  assert.equal(calls.length, 1);
});

test('a hang is given up at the deadline with the request id, and a text-only reply passes through', async () => {
  const hung = scripted([{ events: [text('held')], end: 'hang' }]);
  const result = collect(streamWithFirstAudioDeadline(hung.streamer, request, options()));
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(8000);
  const { events, error } = await result;
  assert.deepEqual(events, [], 'nothing of the hung try reaches the caller');
  assert.ok(error instanceof OmniError);
  assert.equal(error.requestId, 'req-1');
  assert.equal(error.userMessage, "The model didn't answer in time. Please try again.");
  assert.ok(hung.calls[0]!.signal?.aborted, 'the stuck request was cancelled');

  const textOnly = scripted([{ events: [text('just words')] }]);
  const { events: words } = await collect(streamWithFirstAudioDeadline(textOnly.streamer, request, options()));
  assert.deepEqual(words, [text('just words')]);
});

test('aborting the turn ends the stream quietly', async () => {
  const controller = new AbortController();
  const { streamer } = scripted([{ events: [], end: 'hang' }]);
  const result = collect(streamWithFirstAudioDeadline(streamer, request, options(controller.signal)));
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  assert.deepEqual(await result, { events: [] });
});

test('a reply that stalls after its audio began is given up after the same limit, as cut part-way', async () => {
  const { streamer, calls } = scripted([{ events: [text('a'), audio, audio], end: 'hang' }]);
  const result = collect(streamWithFirstAudioDeadline(streamer, request, options()));
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(7999);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls[0]!.signal?.aborted, false, 'still waiting just before the limit');
  mock.timers.tick(1);
  const { events, error } = await result;
  assert.equal(events.length, 3, 'what came is delivered');
  assert.ok(error instanceof OmniError);
  assert.equal(error.userMessage, 'The model stopped answering part-way. Please try again.');
  assert.equal(error.requestId, 'req-1');
  assert.ok(calls[0]!.signal?.aborted, 'the stalled request was cancelled');
});

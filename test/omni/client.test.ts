// Pins the streaming client against the fake service over HTTP with the real openai SDK: events, audio as
// audio, usage, error mapping, retries only before output, Retry-After, and cancellation releasing the socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { OmniClient } from '../../src/omni/client.ts';
import { MODEL_OUTPUT_SAMPLE_RATE, type OmniEvent } from '../../src/omni/events.ts';
import type { OmniRequest } from '../../src/omni/request.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';

const flash = MODELS['qwen3-omni-flash']!;
const turbo = MODELS['qwen-omni-turbo']!;
let fake: FakeOmni;

before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

/** A client whose backoff waits are recorded instead of slept. */
function clientWithRecordedWaits(options: Partial<ConstructorParameters<typeof OmniClient>[0]> = {}) {
  const waits: number[] = [];
  const client = new OmniClient({
    apiKey: 'test-key',
    baseURL: fake.baseURL,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { client, waits };
}

async function collect(stream: AsyncIterable<OmniEvent>): Promise<OmniEvent[]> {
  const events: OmniEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function audioOf(events: OmniEvent[]): Int16Array {
  const chunks = events.flatMap((event) => (event.type === 'audio' ? [event.pcm] : []));
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Frequency from zero crossings: enough to tell 440 Hz from anything else in a clean tone. */
function zeroCrossingHz(samples: Int16Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / (samples.length / sampleRate);
}

const speak = (voice: string, model = flash): OmniRequest => ({ model, voice, turns: [{ role: 'user', text: 'Hello there' }] });

test('flash: text from content, audio decoded to the exact tone, finish and usage by modality', async () => {
  fake.script({ text: 'Hi! Nice to meet you.', audio: { toneHz: 440, seconds: 0.75 } });
  const { client } = clientWithRecordedWaits();
  const events = await collect(client.stream(speak('Ethan')));
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  assert.equal(text, 'Hi! Nice to meet you.');
  const audio = audioOf(events);
  assert.equal(audio.length, 0.75 * MODEL_OUTPUT_SAMPLE_RATE);
  assert.ok(Math.abs(zeroCrossingHz(audio, MODEL_OUTPUT_SAMPLE_RATE) - 440) < 440 * 0.01);
  const finish = events.find((e) => e.type === 'finish');
  assert.deepEqual(finish, { type: 'finish', reason: 'stop' });
  const usage = events.find((e) => e.type === 'usage');
  assert.ok(usage?.type === 'usage' && usage.usage.output.audio > 0 && usage.usage.input.text > 0);
  assert.equal(fake.requests.at(-1)?.voice, 'Ethan');
});

test('turbo: the text arrives as the audio transcript and is still read', async () => {
  fake.script({ text: 'Transcript text.', audio: { toneHz: 300, seconds: 0.2 } });
  const { client } = clientWithRecordedWaits();
  const events = await collect(client.stream(speak('Serena', turbo)));
  assert.equal(events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join(''), 'Transcript text.');
});

test('thinking mode yields reasoning then text, without audio', async () => {
  fake.script({ reasoning: 'Let me think.', text: 'Because.' });
  const { client } = clientWithRecordedWaits();
  const events = await collect(client.stream({ model: flash, thinking: true, turns: [{ role: 'user', text: 'Why?' }] }));
  assert.deepEqual(
    events
      .filter((e) => e.type === 'reasoning' || e.type === 'text')
      .map((e) => e.type)
      .at(0),
    'reasoning',
  );
  assert.equal(audioOf(events).length, 0);
  assert.equal(fake.requests.at(-1)?.enableThinking, true);
});

test('odd-sized audio chunks reassemble into whole samples', async () => {
  const oddFake = await startFakeOmni({ realtime: false, audioChunkBytes: 3841 });
  try {
    oddFake.script({ audio: { toneHz: 440, seconds: 0.5 } });
    const client = new OmniClient({ apiKey: 'test-key', baseURL: oddFake.baseURL });
    const audio = audioOf(await collect(client.stream(speak('Cherry'))));
    assert.equal(audio.length, 0.5 * MODEL_OUTPUT_SAMPLE_RATE);
    assert.ok(Math.abs(zeroCrossingHz(audio, MODEL_OUTPUT_SAMPLE_RATE) - 440) < 4.4);
  } finally {
    await oddFake.close();
  }
});

test('a 429 before any output is retried after Retry-After, once, then the reply streams', async () => {
  fake.script({ fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 2 } });
  fake.script({ text: 'Second try.' });
  const before = fake.requests.length;
  const { client, waits } = clientWithRecordedWaits();
  const events = await collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] }));
  assert.deepEqual(waits, [2000]);
  assert.equal(fake.requests.length - before, 2);
  assert.equal(events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join(''), 'Second try.');
});

test('a Retry-After longer than the client will wait is reported, not waited out', async () => {
  fake.script({ fail: { status: 429, code: 'limit_burst_rate', retryAfterSeconds: 60 } });
  const { client, waits } = clientWithRecordedWaits();
  await assert.rejects(collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })), (error: unknown) => {
    assert.ok(error instanceof OmniError);
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryAfterMs, 60_000);
    assert.match(error.userMessage, /try again in 60 s/);
    return true;
  });
  assert.deepEqual(waits, []);
});

const failures: Array<[string, Parameters<FakeOmni['script']>[0], string, boolean]> = [
  ['quota exhausted', { fail: { status: 429, code: 'insufficient_quota' } }, 'quota_exhausted', false],
  ['arrears', { fail: { status: 400, code: 'Arrearage' } }, 'arrears', false],
  ['content filter', { fail: { status: 400, code: 'data_inspection_failed' } }, 'content_filtered', false],
];
for (const [name, reply, kind, retried] of failures) {
  test(`${name} maps to ${kind} with a user-facing sentence and is not retried`, async () => {
    fake.script(reply);
    const { client, waits } = clientWithRecordedWaits();
    await assert.rejects(collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })), (error: unknown) => {
      assert.ok(error instanceof OmniError && error.kind === kind && error.userMessage.length > 10);
      return true;
    });
    assert.equal(waits.length > 0, retried);
  });
}

test('a bad key is an auth error naming the setting, not retried', async () => {
  const { client, waits } = clientWithRecordedWaits({ apiKey: 'wrong' });
  await assert.rejects(collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })), (error: unknown) => {
    assert.ok(error instanceof OmniError && error.kind === 'auth' && error.status === 401);
    assert.match(error.userMessage, /DASHSCOPE_API_KEY/);
    assert.doesNotMatch(error.userMessage, /wrong/);
    return true;
  });
  assert.deepEqual(waits, []);
});

test('5xx is retried with backoff and surfaces as a server error when it persists', async () => {
  for (let i = 0; i < 3; i++) fake.script({ fail: { status: 500 } });
  const { client, waits } = clientWithRecordedWaits({ retryBaseDelayMs: 100 });
  await assert.rejects(
    collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })),
    (error: unknown) => error instanceof OmniError && error.kind === 'server',
  );
  assert.deepEqual(waits, [100, 200]);
});

test('a mid-stream error after output is not retried (no doubled reply)', async () => {
  fake.script({ text: 'Part one. Part two. Part three.', midStreamError: { afterChunks: 2, code: 'InternalError', message: 'boom' } });
  const before = fake.requests.length;
  const { client, waits } = clientWithRecordedWaits();
  const seen: OmniEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })) seen.push(event);
    })(),
    (error: unknown) => error instanceof OmniError && error.kind === 'stream_error',
  );
  assert.ok(seen.some((e) => e.type === 'text'));
  assert.deepEqual(waits, []);
  assert.equal(fake.requests.length - before, 1);
});

test('a connection dropped before any output is retried; after output it is reported as lost', async () => {
  // Paced chunks, so what precedes the drop has really left the server (as on a real network).
  fake.script({ dropAfterChunks: 1, chunkIntervalMs: 10 });
  fake.script({ text: 'Recovered.' });
  const { client } = clientWithRecordedWaits();
  const events = await collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] }));
  assert.equal(events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join(''), 'Recovered.');

  fake.script({ text: 'One. Two. Three. Four.', dropAfterChunks: 3, chunkIntervalMs: 10 });
  await assert.rejects(
    collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })),
    (error: unknown) => error instanceof OmniError && error.kind === 'connection',
  );
});

test('aborting mid-reply ends the stream quietly and the service sees the connection closed', async () => {
  const paced = await startFakeOmni({ realtime: true });
  try {
    paced.script({ text: 'A long answer.', audio: { toneHz: 440, seconds: 5 } });
    const client = new OmniClient({ apiKey: 'test-key', baseURL: paced.baseURL });
    const controller = new AbortController();
    const requestSeen = paced.nextRequest();
    let audioChunks = 0;
    for await (const event of client.stream(speak('Cherry'), { signal: controller.signal })) {
      if (event.type === 'audio' && ++audioChunks === 2) controller.abort();
    }
    assert.equal(audioChunks, 2);
    assert.equal(await (await requestSeen).aborted, true);
  } finally {
    await paced.close();
  }
});

test('breaking out of the loop also releases the connection', async () => {
  const paced = await startFakeOmni({ realtime: true });
  try {
    paced.script({ audio: { toneHz: 440, seconds: 5 } });
    const client = new OmniClient({ apiKey: 'test-key', baseURL: paced.baseURL });
    const requestSeen = paced.nextRequest();
    for await (const event of client.stream(speak('Cherry'))) if (event.type === 'audio') break;
    assert.equal(await (await requestSeen).aborted, true);
  } finally {
    await paced.close();
  }
});

test('a stream that goes quiet times out with a clear error', async () => {
  fake.script({ text: 'a b c', chunkIntervalMs: 400 });
  const { client } = clientWithRecordedWaits({ idleTimeoutMs: 100, maxAttempts: 1 });
  await assert.rejects(
    collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] })),
    (error: unknown) => error instanceof OmniError && error.kind === 'timeout',
  );
});

test('a response that opens and then says nothing times out as "did not answer", with the request id kept', async () => {
  fake.script({ text: 'never sent', stallAfterChunks: 0 });
  const { client } = clientWithRecordedWaits({ idleTimeoutMs: 100 });
  const started: Array<string | undefined> = [];
  await assert.rejects(
    collect(client.stream({ model: flash, turns: [{ role: 'user', text: 'hi' }] }, { maxAttempts: 1, onResponse: (r) => started.push(r.requestId) })),
    (error: unknown) =>
      error instanceof OmniError && error.kind === 'timeout' && /didn't answer in time/.test(error.userMessage) && error.requestId === started[0],
  );
  assert.equal(started.length, 1, 'one try only, as asked for this call');
  assert.match(started[0] ?? '', /^[0-9a-f-]{36}$/u);
});

// Pins the bytes on the wire: Content-Type text/event-stream, `data: {json}\n\n` events with the service's
// key order, audio as {data, id, expires_at}, and a closing `data: [DONE]\n\n`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('raw SSE framing and field order', async () => {
  fake.script({ text: 'One two three', audio: { toneHz: 300, seconds: 0.2 } });
  const response = await fetch(`${fake.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { Authorization: 'Bearer test-key', 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: 'qwen3-omni-flash',
      messages: [{ role: 'user', content: 'Count' }],
      modalities: ['text', 'audio'],
      audio: { voice: 'Cherry', format: 'wav' },
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/u);
  const raw = await response.text();
  assert.ok(raw.endsWith('data: [DONE]\n\n'));
  const events = raw.split('\n\n').slice(0, -1);
  assert.ok(
    events.every((event) => event.startsWith('data: ') && !event.includes('\n')),
    'one data line per event',
  );
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);

  for (const chunk of chunks.slice(0, -1)) {
    assert.deepEqual(Object.keys(chunk), ['id', 'object', 'created', 'model', 'system_fingerprint', 'choices']);
    const [choice] = chunk.choices as Record<string, unknown>[];
    assert.deepEqual(Object.keys(choice ?? {}), ['index', 'delta', 'finish_reason', 'logprobs']);
  }
  const audio = chunks
    .map((chunk) => (chunk.choices as { delta: { audio?: Record<string, unknown> } }[])[0]?.delta.audio)
    .filter((value) => value !== undefined);
  assert.equal(audio.length, Math.ceil((0.2 * 24_000 * 2) / 3840));
  for (const item of audio) assert.deepEqual(Object.keys(item), ['data', 'id', 'expires_at']);
  // Raw PCM: the first chunk does not start with a RIFF header.
  assert.notEqual(Buffer.from(String(audio[0]?.data), 'base64').subarray(0, 4).toString('latin1'), 'RIFF');

  const usage = chunks.at(-1)!;
  assert.deepEqual(Object.keys(usage), ['id', 'object', 'created', 'model', 'system_fingerprint', 'choices', 'usage']);
  assert.deepEqual(usage.choices, []);
  const details = usage.usage as Record<string, Record<string, number>>;
  assert.deepEqual(Object.keys(details.prompt_tokens_details ?? {}), ['text_tokens', 'audio_tokens', 'image_tokens', 'video_tokens']);
  assert.deepEqual(Object.keys(details.completion_tokens_details ?? {}), ['text_tokens', 'audio_tokens', 'reasoning_tokens']);
});

test('error replies carry the service body shape and a request id', async () => {
  const response = await fetch(`${fake.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { Authorization: 'Bearer nope', 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.equal(response.status, 401);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/u);
  const body = (await response.json()) as { error: Record<string, unknown>; request_id: string };
  assert.deepEqual(Object.keys(body), ['error', 'request_id']);
  assert.deepEqual(Object.keys(body.error), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, 'invalid_api_key');
  assert.equal(body.error.message, 'Incorrect API key provided. ');
  assert.equal(body.request_id, response.headers.get('x-request-id'));
});

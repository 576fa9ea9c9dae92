// Pins the qwen3-omni-flash stream as the real SDK sees it: role chunk, text in delta.content, audio chunks
// with one id, finish chunk, usage chunk with choices [], in that order and with the service's fields.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, omniClient } from './testkit.ts';
import type { OmniDelta } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

for (const model of ['qwen3-omni-flash', 'qwen3-omni-flash-2025-09-15']) {
  test(`${model}: chunk order and fields`, async () => {
    fake.script({ text: 'Hi there, nice to meet you.', audio: { toneHz: 440, seconds: 0.5 } });
    const before = Math.floor(Date.now() / 1000);
    const stream = await omniClient(fake).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Who are you?' }],
      modalities: ['text', 'audio'],
      audio: { voice: 'Jada', format: 'wav' },
      stream: true,
      stream_options: { include_usage: true },
    });
    const got = await collect(stream);
    const kinds = got.chunks.map((chunk) => {
      const delta = chunk.choices[0]?.delta as OmniDelta | undefined;
      if (!delta) return 'usage';
      if (delta.role) return 'role';
      if (chunk.choices[0]?.finish_reason) return 'finish';
      if (delta.audio?.data !== undefined) return 'audio';
      return delta.content ? 'text' : 'other';
    });
    const order = kinds.filter((kind, i) => kind !== kinds[i - 1]);
    assert.deepEqual(order, ['role', 'text', 'audio', 'finish', 'usage']);
    assert.ok(kinds.filter((k) => k === 'text').length > 1, 'text comes in several chunks');

    const first = got.chunks[0]!;
    assert.match(first.id, /^chatcmpl-[0-9a-f-]{36}$/u);
    assert.equal(first.object, 'chat.completion.chunk');
    assert.equal(first.model, model);
    assert.equal(first.system_fingerprint, null);
    assert.ok(first.created >= before && first.created <= before + 5);
    assert.deepEqual(first.choices, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);
    assert.ok(
      got.chunks.every((chunk) => chunk.id === first.id),
      'one id for the whole reply',
    );

    assert.equal(got.content, 'Hi there, nice to meet you.');
    assert.equal(got.transcript, '');
    assert.equal(got.audioIds.size, 1);
    assert.match([...got.audioIds][0]!, /^audio_[0-9a-f-]{36}$/u);
    const audioDelta = got.chunks.find((c) => (c.choices[0]?.delta as OmniDelta | undefined)?.audio)!.choices[0]!.delta as OmniDelta;
    assert.ok((audioDelta.audio?.expires_at ?? 0) > before);
    assert.equal(got.pcm.length, 12_000, '0.5 s at 24 kHz, raw PCM without a WAV header');
    assert.ok(
      got.audioChunkBytes.slice(0, -1).every((n) => n === 3840),
      '80 ms chunks',
    );

    const finish = got.chunks.at(-2)!;
    assert.deepEqual(finish.choices, [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }]);
    const usage = got.chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(Object.keys(usage.usage ?? {}).sort(), [
      'completion_tokens',
      'completion_tokens_details',
      'prompt_tokens',
      'prompt_tokens_details',
      'total_tokens',
    ]);
  });
}

test('without include_usage there is no usage chunk, and text-only output has no audio', async () => {
  const stream = await omniClient(fake).chat.completions.create({
    model: 'qwen3-omni-flash',
    messages: [{ role: 'user', content: 'Hello' }],
    stream: true,
  });
  const got = await collect(stream);
  assert.equal(got.usage, undefined);
  assert.ok(got.chunks.every((chunk) => chunk.choices.length === 1));
  assert.equal(got.pcm.length, 0);
  assert.equal(got.content, 'Hello! This is the fake Qwen-Omni speaking.');
  assert.equal(got.finishReason, 'stop');
});

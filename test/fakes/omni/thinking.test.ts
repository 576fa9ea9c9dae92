// Pins thinking mode and finish reasons: with enable_thinking, reasoning_content streams before the answer,
// there is no audio, and usage counts reasoning tokens; without it no reasoning is sent; finishReason
// 'length' reaches the client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, createRaw, omniClient } from './testkit.ts';
import type { OmniDelta } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('reasoning comes before the answer, text only', async () => {
  fake.script({ reasoning: 'Two plus two is four.', text: 'Four.' });
  const got = await collect(
    await createRaw(omniClient(fake), {
      model: 'qwen3-omni-flash',
      messages: [{ role: 'user', content: 'What is 2+2?' }],
      modalities: ['text'],
      enable_thinking: true,
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  assert.equal(got.reasoning, 'Two plus two is four.');
  assert.equal(got.content, 'Four.');
  assert.equal(got.pcm.length, 0);
  const deltas = got.chunks.map((chunk) => chunk.choices[0]?.delta as OmniDelta | undefined);
  const lastReasoning = deltas.findLastIndex((d) => d?.reasoning_content);
  const firstAnswer = deltas.findIndex((d) => d?.content);
  assert.ok(lastReasoning > 0 && lastReasoning < firstAnswer);
  assert.equal(got.usage?.completion_tokens_details?.reasoning_tokens, Math.ceil(21 / 4));
  assert.equal((await fake.nextRequest()).enableThinking, true);
});

test('no reasoning without thinking mode', async () => {
  fake.script({ reasoning: 'hidden', text: 'Answer.' });
  const got = await collect(
    await omniClient(fake).chat.completions.create({
      model: 'qwen3-omni-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    }),
  );
  assert.equal(got.reasoning, '');
  assert.equal(got.content, 'Answer.');
});

test("finishReason 'length' reaches the client", async () => {
  fake.script({ text: 'Cut sh', finishReason: 'length' });
  const got = await collect(
    await omniClient(fake).chat.completions.create({
      model: 'qwen3-omni-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    }),
  );
  assert.equal(got.finishReason, 'length');
});

// /ask answers in streaming text; thinking mode asks for reasoning, shows a short "thought for" line instead
// of the reasoning, and never asks for audio. Long answers continue in follow-up messages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makePng } from '../support/images.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

test('a thinking-mode /ask: text only, reasoning kept out of chat', async () => {
  const { sim, fake } = world;
  fake.script({ reasoning: 'First, consider the secret chain of thought.', text: 'The answer is 42.', chunkIntervalMs: 5 });
  const interaction = await sim.user('alice').slash('ask', { question: 'What is six times seven?', thinking: true });
  const reply = await interaction.reply({ matching: (m) => /42/.test(m.content ?? ''), timeoutMs: 10_000 });
  assert.match(reply.content ?? '', /^-# Thought for \d+\.\d s\nThe answer is 42\.$/);
  assert.doesNotMatch(reply.content ?? '', /secret chain/);
  const request = fake.requests.at(-1)!;
  assert.equal(request.enableThinking, true);
  assert.deepEqual(request.modalities, ['text']);
  assert.equal(request.voice, undefined);
});

test('a long answer continues in follow-up messages, each within 2,000 characters', async () => {
  const { sim, fake } = world;
  const long = Array.from({ length: 700 }, (_, i) => `item${i}`).join(' ');
  fake.script({ text: long, chunkIntervalMs: 1 });
  const interaction = await sim.user('alice').slash('ask', { question: 'List many things.' });
  const pieces = (): string[] => [interaction.original?.content ?? '', ...interaction.followUps.map((m) => m.content ?? '')];
  // Every edit or follow-up wakes the waiter; it resolves once the pieces add up to the whole answer.
  await interaction.reply({ matching: () => pieces().join(' ') === long, timeoutMs: 15_000 });
  assert.ok(pieces().length >= 2 && pieces().every((p) => p.length <= 2000));
});

test('/ask with an image sends the question and the image together', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'It is wider than tall.', chunkIntervalMs: 5 });
  const interaction = await sim.user('alice').slash('ask', { question: 'Is it wide or tall?', image: { name: 'w.png', data: makePng(90, 30) } });
  await interaction.reply({ matching: (m) => /tall\.$/.test(m.content ?? ''), timeoutMs: 10_000 });
  const request = fake.requests.at(-1)!;
  assert.deepEqual(
    request.images.map((i) => [i.width, i.height]),
    [[90, 30]],
  );
  assert.ok(request.texts.includes('Is it wide or tall?'));
});

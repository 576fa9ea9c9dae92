// Pins the first-audio deadline: a model that opens its response and then says nothing is given up at the
// deadline (not retried past it), the person is told it did not answer in time, and the next person in the
// queue is answered at once; the bot shows it is working while the wait is long; a failure before any audio
// is retried once, never twice. Time is node:test's mock clock (the fake model streams without pacing).
import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
  mock.timers.enable({ apis: ['setTimeout'] });
});
after(() => {
  mock.timers.reset();
  return fake.close();
});

test('a hung model is given up at the deadline, with words that match, and the next person is answered', async () => {
  const h = createSessionHarness(fake, { firstAudioTimeoutMs: 8000 });
  fake.script({ text: 'never sent', audio: { toneHz: 440, seconds: 1 }, stallAfterChunks: 0 });
  fake.script({ text: 'Hi Bob.', audio: { toneHz: 300, seconds: 0.2 } });
  const turns: Array<{ speakerId: string; error: unknown }> = [];
  h.session.on('turnDone', (outcome) => turns.push({ speakerId: outcome.speakerId, error: outcome.error }));

  h.session.onUtterance(utterance('alice'));
  const alice = await fake.nextRequest();
  h.session.onUtterance(utterance('bob'));
  assert.deepEqual(h.session.queue, ['bob'], 'Bob waits behind the stuck request');

  mock.timers.tick(1499);
  assert.equal(h.typing.count, 0, 'no sign before 1.5 s');
  mock.timers.tick(1);
  assert.equal(h.typing.count, 1, 'typing shown once the wait passes 1.5 s');
  mock.timers.tick(6499);
  assert.equal(turns.length, 0, 'still waiting just before the deadline');
  assert.deepEqual(h.posts, []);

  const bothTurns = new Promise<void>((resolve) => h.session.on('turnDone', () => turns.length === 2 && resolve()));
  mock.timers.tick(1);
  const bob = await fake.nextRequest();
  assert.ok(bob.texts.at(-1)?.includes('Bob'), "the next request is Bob's: the stuck one no longer holds the queue");
  assert.equal(await alice.aborted, true, 'the stuck request was given up');
  await bothTurns;

  assert.equal(turns[0]?.speakerId, 'alice');
  assert.ok(turns[0]?.error instanceof OmniError);
  assert.deepEqual(h.posts, ["The model didn't answer in time. Please try again."]);
  assert.equal(fake.requests.filter((r) => r.texts.at(-1)?.includes('Alice')).length, 1, 'no retry past the deadline');
  assert.deepEqual(
    turns.map((t) => [t.speakerId, t.error === undefined]),
    [
      ['alice', false],
      ['bob', true],
    ],
  );
  assert.equal(h.typing.count, 1);
  // Alice's turn is remembered as asked and unanswered; Bob's as answered.
  assert.deepEqual(
    h.session.history.entries.map((e) => e.role),
    ['user', 'user', 'assistant'],
  );
});

test('typing is renewed while the first audio is late and stops once it comes', async () => {
  const h = createSessionHarness(fake, { firstAudioTimeoutMs: 20_000 });
  // The fake's delay runs on the same mock clock.
  fake.script({ text: 'Slow but here.', audio: { toneHz: 440, seconds: 0.2 }, firstByteDelayMs: 10_000 });
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await fake.nextRequest();
  mock.timers.tick(1500);
  assert.equal(h.typing.count, 1);
  mock.timers.tick(8000);
  assert.equal(h.typing.count, 2, 'renewed 8 s later');
  mock.timers.tick(500);
  await played;
  const outcome = await done;
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.text, 'Slow but here.');
  mock.timers.tick(20_000);
  assert.equal(h.typing.count, 2, 'no typing once the audio came');
  assert.deepEqual(h.posts, []);
});

test('an answer that comes quickly shows no typing', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Quick.', audio: { toneHz: 440, seconds: 0.2 } });
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await done;
  mock.timers.tick(10_000);
  assert.equal(h.typing.count, 0);
});

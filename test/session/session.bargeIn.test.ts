// Pins barge-in: speech from someone while the bot speaks stops playback at once, aborts the request,
// and history keeps only the part of the reply that was heard, marked as interrupted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INTERRUPTED_MARK } from '../../src/session/History.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  // Real-time pacing, as the service streams: the reply is still arriving when Bob starts talking.
  fake = await startFakeOmni({ realtime: true });
});
after(() => fake.close());

const LONG_REPLY = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.';

test('Bob talking over the reply stops it; history keeps what was heard; the next request carries only that', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: LONG_REPLY, audio: { toneHz: 440, seconds: 4 } });
  const played = h.output.nextPlay();
  const firstTurn = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const aliceRequest = await fake.nextRequest();
  const playback = await played;
  await playback.reached(1000);

  h.session.onSpeechStart('bob');
  assert.equal(playback.stopped, true, 'playback stops synchronously on speech onset');
  assert.equal(h.session.state.status, 'listening');
  const outcome = await firstTurn;
  assert.equal(outcome.interrupted, true);
  assert.equal(await aliceRequest.aborted, true, 'the model request was cancelled');
  assert.ok(outcome.playedMs >= 1000 && outcome.playedMs < 4000, `played ${outcome.playedMs} ms of the 4 s reply`);

  const kept = h.session.history.entries.at(-1);
  assert.equal(kept?.role, 'assistant');
  assert.ok(kept.text.endsWith(INTERRUPTED_MARK));
  const heard = kept.text.slice(0, -INTERRUPTED_MARK.length);
  assert.ok(LONG_REPLY.startsWith(heard) && heard.length > 0 && heard.length < LONG_REPLY.length, `kept "${heard}"`);

  fake.script({ text: 'Yes Bob?', audio: { toneHz: 440, seconds: 0.2 } });
  const secondTurn = h.nextTurn();
  h.session.onUtterance(utterance('bob'));
  const bobRequest = await fake.nextRequest();
  await secondTurn;
  const assistant = bobRequest.messages.filter((m) => m.role === 'assistant').map((m) => m.content);
  assert.deepEqual(assistant, [kept.text]);
});

test('speech while the reply is still being prepared does not cancel it', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Slow answer.', audio: { toneHz: 440, seconds: 0.3 }, firstByteDelayMs: 150 });
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await fake.nextRequest();
  h.session.onSpeechStart('bob');
  assert.equal(h.session.state.status, 'thinking');
  const outcome = await done;
  assert.equal(outcome.interrupted, false);
  assert.equal(outcome.text, 'Slow answer.');
});

test('in only-me mode other people cannot interrupt', async () => {
  const h = createSessionHarness(fake);
  h.settings.mode = 'only-me';
  h.settings.onlyUser = 'alice';
  fake.script({ text: 'Just for Alice.', audio: { toneHz: 440, seconds: 0.6 } });
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const playback = await played;
  await playback.reached(100);
  h.session.onSpeechStart('bob');
  h.session.onUtterance(utterance('bob'));
  assert.equal(playback.stopped, false);
  const outcome = await done;
  assert.equal(outcome.interrupted, false);
});

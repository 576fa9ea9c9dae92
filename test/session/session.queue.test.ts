// Pins fair queueing: utterances that end while a reply is prepared wait, one place per speaker, oldest first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test("queued speakers are answered oldest first; a second sentence joins the speaker's place", async () => {
  const h = createSessionHarness(fake);
  fake.setDefaultReply({ text: 'ok', audio: { toneHz: 440, seconds: 0.1 } });
  fake.script({ text: 'first', audio: { toneHz: 440, seconds: 0.1 }, firstByteDelayMs: 100 });
  const answered: string[] = [];
  h.session.on('turnDone', (outcome) => answered.push(outcome.speakerId));

  h.session.onUtterance(utterance('alice', 0.5));
  await fake.nextRequest();
  assert.equal(h.session.state.status, 'thinking');
  h.session.onUtterance(utterance('bob', 0.5));
  h.session.onUtterance(utterance('carol', 0.5));
  h.session.onUtterance(utterance('bob', 0.25));
  assert.deepEqual(h.session.queue, ['bob', 'carol']);

  const bob = await fake.nextRequest();
  assert.ok(Math.abs(bob.audioInputs.at(-1)!.seconds - 0.75) < 0.001, "both of Bob's sentences in one turn");
  const carol = await fake.nextRequest();
  assert.ok(carol.texts.at(-1)?.includes('Carol'));
  while (answered.length < 3) await h.nextTurn();
  assert.deepEqual(answered, ['alice', 'bob', 'carol']);
});

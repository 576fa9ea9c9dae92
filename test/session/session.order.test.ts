// Pins the order of a conversation with three people: an utterance that ends while a reply plays waits its
// turn (it does not cut the reply nor pass anyone); the queue is first come, first served; someone who talks
// over the reply stops it and is answered after those who were already waiting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance, type SessionHarness } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  // Real-time pacing: the reply is still playing while the others finish speaking.
  fake = await startFakeOmni({ realtime: true });
  fake.setReplyRule(({ texts }) => {
    const speaker = texts.at(-1) ?? '';
    if (speaker.includes('Alice')) return { text: 'A long answer for Alice.', audio: { toneHz: 440, seconds: 1 } };
    if (speaker.includes('Bob')) return { text: 'Bob.', audio: { toneHz: 300, seconds: 0.2 } };
    return { text: 'Carol.', audio: { toneHz: 500, seconds: 0.2 } };
  });
});
after(() => fake.close());

function answers(h: SessionHarness, count: number): Promise<Array<{ speakerId: string; interrupted: boolean; playedMs: number }>> {
  const done: Array<{ speakerId: string; interrupted: boolean; playedMs: number }> = [];
  return new Promise((resolve) => {
    h.session.on('turnDone', ({ speakerId, interrupted, playedMs }) => {
      done.push({ speakerId, interrupted, playedMs });
      if (done.length === count) resolve(done);
    });
  });
}

test('three people at once: the reply plays to its end and the queue stays first come, first served', async () => {
  const h = createSessionHarness(fake);
  const all = answers(h, 3);
  const played = h.output.nextPlay();
  h.session.onUtterance(utterance('alice'));
  h.session.onUtterance(utterance('bob'));
  const playback = await played;
  await playback.reached(100);
  // Carol began speaking before the reply started, so her sentence ends while it plays.
  h.session.onUtterance(utterance('carol'));
  assert.equal(playback.stopped, false, "Carol's sentence does not cut Alice's reply");
  assert.deepEqual(h.session.queue, ['bob', 'carol'], 'Carol waits behind Bob');

  const done = await all;
  assert.deepEqual(
    done.map((d) => d.speakerId),
    ['alice', 'bob', 'carol'],
  );
  assert.equal(done[0]!.interrupted, false);
  assert.ok(done[0]!.playedMs >= 999, `Alice heard ${done[0]!.playedMs} ms of 1000`);
  const order = fake.requests.slice(-3).map((r) => r.texts.at(-1));
  assert.deepEqual(order, ['[Alice is speaking]', '[Bob is speaking]', '[Carol is speaking]']);
});

test('talking over the reply stops it; the one who did is answered after the person already waiting', async () => {
  const h = createSessionHarness(fake);
  const all = answers(h, 3);
  const played = h.output.nextPlay();
  h.session.onUtterance(utterance('alice'));
  h.session.onUtterance(utterance('bob'));
  const playback = await played;
  await playback.reached(100);
  h.session.onSpeechStart('carol');
  assert.equal(playback.stopped, true, 'a real barge-in stops the reply at once');
  h.session.onUtterance(utterance('carol'));

  const done = await all;
  assert.deepEqual(
    done.map((d) => d.speakerId),
    ['alice', 'bob', 'carol'],
  );
  assert.equal(done[0]!.interrupted, true);
});

test('talking over the reply with nobody waiting: that person is answered next', async () => {
  const h = createSessionHarness(fake);
  const all = answers(h, 2);
  const played = h.output.nextPlay();
  h.session.onUtterance(utterance('alice'));
  const playback = await played;
  await playback.reached(100);
  h.session.onSpeechStart('carol');
  h.session.onUtterance(utterance('carol'));
  const done = await all;
  assert.deepEqual(
    done.map((d) => [d.speakerId, d.interrupted]),
    [
      ['alice', true],
      ['carol', false],
    ],
  );
});

// Scenario: three people talk at once. Alice finishes first; Bob finishes while her answer is being prepared,
// Carol while it plays. Nobody started speaking over the reply, so it plays to its end; then Bob is answered,
// then Carol: first come, first served (the rule in the README, "How a conversation flows").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import { startWorld, type World } from './world.ts';
import { leftChannel, speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld({
    sim: { guilds: [{ name: 'Test Guild', textChannels: ['general'], voiceChannels: ['General'], users: ['alice', 'bob', 'carol'] }] },
  });
});
after(() => world.close());

test('three people at once: the first answer is not cut and nobody jumps the queue', async () => {
  const { sim, fake } = world;
  const [alice, bob, carol] = [sim.user('alice'), sim.user('bob'), sim.user('carol')];
  for (const user of [alice, bob, carol]) await user.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  const replies = { Alice: 440, Bob: 300, Carol: 500 } as const;
  fake.setReplyRule(({ texts }) => {
    const speaker = (Object.keys(replies) as Array<keyof typeof replies>).find((name) => texts.at(-1)?.includes(name));
    if (!speaker) return undefined;
    // Alice's answer takes a moment to start, so Bob finishes while it is prepared and Carol while it plays.
    return speaker === 'Alice'
      ? { text: 'A long answer for Alice.', audio: { toneHz: replies.Alice, seconds: 3 }, firstByteDelayMs: 800 }
      : { text: `Yes, ${speaker}?`, audio: { toneHz: replies[speaker], seconds: 0.6 } };
  });
  const requestsBefore = fake.requests.length;
  const heard = (async () => [await sim.botAudio.nextUtterance(30_000), await sim.botAudio.nextUtterance(30_000), await sim.botAudio.nextUtterance(30_000)])();
  // Spoken parts end at 2.6 s, 3.1 s and 3.9 s.
  await Promise.all([alice.say(speechFixture('en_no_lead').path), bob.say(speechFixture('fr_pauses').path), carol.say(speechFixture('de_pauses').path)]);
  const [first, second, third] = await heard;
  fake.setReplyRule(undefined);

  const requests = fake.requests.slice(requestsBefore);
  assert.deepEqual(
    requests.map((r) => r.texts.at(-1)),
    ['[Alice is speaking]', '[Bob is speaking]', '[Carol is speaking]'],
    'answered in the order they finished',
  );
  assert.equal(await requests[0]!.aborted, false, "Alice's request was not cancelled");
  const pitches = [first!, second!, third!].map((u) => Math.round(dominantFrequency(leftChannel(u), 48_000)));
  assert.deepEqual(
    pitches.map((hz) => Object.values(replies).find((want) => Math.abs(hz - want) <= want * 0.01)),
    [440, 300, 500],
    `pitches heard ${pitches.join(', ')}`,
  );
  const firstSeconds = leftChannel(first!).length / 48_000;
  assert.ok(Math.abs(firstSeconds - 3) <= 0.06, `Alice heard ${firstSeconds} s of her 3 s answer`);
});

// Scenario: the model opens its response and then sends nothing. While Alice waits, the voice channel's chat
// shows the bot typing; at the first-audio deadline her request is given up (not retried past it), the chat
// says the model did not answer in time, and Bob, who spoke while she waited, is answered next.
// The deadline is a setting (FIRST_AUDIO_TIMEOUT_MS); the checks are on the order of events, not on times.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { FIRST_AUDIO_TIMEOUT_MS: '4000' } });
});
after(() => world.close());

test('a hung model: typing, then "did not answer in time", and the next person is answered', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  const bob = sim.user('bob');
  await alice.joinVoice('General');
  await bob.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  fake.setReplyRule(({ texts }) =>
    texts.at(-1)?.includes('Alice')
      ? { text: 'never sent', audio: { toneHz: 440, seconds: 1 }, stallAfterChunks: 0 }
      : { text: 'Yes, Bob?', audio: { toneHz: 300, seconds: 0.6 } },
  );
  const notice = sim.nextMessage({ channel: 'General', timeoutMs: 30_000 });
  const aliceRequest = fake.nextRequest(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  const stuck = await aliceRequest;
  assert.ok(stuck.texts.at(-1)?.includes('Alice'));

  // Bob speaks while Alice's request hangs.
  const bobRequest = fake.nextRequest(30_000);
  const bobHeard = sim.botAudio.nextUtterance(30_000);
  await bob.say(speechFixture('en_no_lead').path);

  const posted = await notice;
  assert.equal(posted.content, "The model didn't answer in time. Please try again.");
  assert.ok(sim.rest.typing.includes(sim.channelId('General')), 'the bot showed it was working while Alice waited');
  assert.equal(await stuck.aborted, true, "Alice's stuck request was given up");

  const next = await bobRequest;
  assert.ok(next.texts.at(-1)?.includes('Bob'), "the next request is Bob's: no retry of the stuck one past its deadline");
  const reply = await bobHeard;
  assert.ok(reply.pcm.length / 2 / 48_000 >= 0.5, 'Bob hears his answer');
  assert.equal(fake.requests.filter((r) => r.texts.at(-1)?.includes('Alice')).length, 1);
  fake.setReplyRule(undefined);
});

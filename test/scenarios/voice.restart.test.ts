// A restart (a deploy, a crash) does not leave people talking to nobody: the bot goes back to the voice
// channel it was in, says so in the channel's chat, and answers the next sentence. A channel it left on
// purpose (/leave) is not one it comes back to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { speechFixture } from './support.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

function botChannel(): string | null {
  const { sim } = world;
  return sim.world.voiceChannelOf(sim.guild(), sim.botUserId);
}

test('after a restart the bot is back in its voice channel, says so, and answers', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  assert.equal(botChannel(), sim.channelId('General'));

  const rejoined = sim.nextBotJoin();
  const notice = sim.nextMessage({ channel: 'General', matching: (m) => /back after a restart/.test(m.content ?? '') });
  await world.restartBot();
  assert.equal(await rejoined, sim.channelId('General'));
  await notice;
  assert.equal(botChannel(), sim.channelId('General'));

  fake.script({ text: 'Still here.', audio: { toneHz: 520, seconds: 1 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  const reply = await heard;
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 1) < 0.06, 'the whole 1 s reply was heard');
});

test('a channel left with /leave is not rejoined after a restart', async () => {
  const { sim } = world;
  const left = sim.nextBotLeave();
  await (await sim.user('alice').slash('leave')).reply();
  await left;
  await world.restartBot();
  // The restarted bot has started (and would have rejoined by now): it stays out.
  assert.equal(botChannel(), null);
});

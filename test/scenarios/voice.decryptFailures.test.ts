// Repeated decrypt failures on received audio lead to a clean rejoin of the voice channel, after which the
// bot hears and answers again; a single bad packet only costs that packet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

test('a burst of undecryptable packets makes the bot rejoin, and it answers afterwards', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  const rejoined = sim.nextBotJoin(15_000);
  const readyAgain = sim.waitForVoiceReady(undefined, 15_000);
  await alice.say(speechFixture('en_no_lead').path, { corrupt: (frame) => frame < 20 });
  assert.equal(await rejoined, sim.channelId('General'), 'the bot rejoined its channel');
  await readyAgain;

  fake.script({ text: 'I can hear you again.', audio: { toneHz: 440, seconds: 0.6 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  assert.ok((await heard).pcm.length / 2 / 48_000 >= 0.5);
});

// Scenario 6: the voice server drops the connection mid-reply. A resumable drop (1006) recovers and the bot
// answers again; a kick (4014) makes it leave cleanly, and after /join it answers again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

async function askAndHear(): Promise<number> {
  const { sim, fake } = world;
  fake.script({ text: 'Here.', audio: { toneHz: 350, seconds: 0.6 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await sim.user('alice').say(speechFixture('en_no_lead').path);
  return (await heard).pcm.length / 2 / 48_000;
}

test('a dropped voice socket mid-reply is resumed and the bot answers again', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  fake.script({ text: 'A long answer.', audio: { toneHz: 440, seconds: 4 } });
  await alice.say(speechFixture('en_no_lead').path);
  await sim.botAudio.nextAudioPacket(20_000);
  await sim.disconnectVoice(1006);
  await sim.waitForVoiceReady(undefined, 15_000);
  await sim.botAudio.nextUtterance(20_000).catch(() => undefined);
  assert.ok((await askAndHear()) >= 0.5);
});

test('a kick (4014) makes the bot leave cleanly; /join brings it back and it answers', async () => {
  const { sim } = world;
  const alice = sim.user('alice');
  const left = sim.nextBotLeave(15_000);
  // With voice workers, the worker's op 4 can reach Discord a moment before the main thread has handled the
  // worker's "gone" that follows it: /status is asked once the conversation has ended.
  const session = world.bot.voice!.get(sim.guild().id)!.session;
  const ended = new Promise<void>((resolve) => session.on('stateChange', (_old, next) => next.status === 'destroyed' && resolve()));
  await sim.disconnectVoice(4014);
  assert.equal(await left, sim.guild().id, 'the bot leaves the channel by itself');
  await ended;
  const status = await (await alice.slash('status')).reply();
  assert.match(JSON.stringify(status.embeds ?? []), /not in a voice channel/);
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 15_000 });
  assert.ok((await askAndHear()) >= 0.5);
});

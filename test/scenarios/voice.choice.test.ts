// Scenario 2: /voice set Ethan makes the next request use Ethan, and it still does after the bot restarts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

async function speakAndGetVoice(): Promise<string | undefined> {
  const { sim, fake } = world;
  fake.script({ text: 'Hi.', audio: { toneHz: 300, seconds: 0.3 } });
  const request = fake.nextRequest();
  const heard = sim.botAudio.nextUtterance(20_000);
  await sim.user('alice').say(speechFixture('en_no_lead').path);
  const { voice } = await request;
  await heard;
  return voice;
}

test('a chosen voice is used and survives a restart', async () => {
  const { sim } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  const set = await (await alice.slash('voice set', { voice: 'Ethan' })).reply();
  assert.match(set.content ?? '', /answer you in Ethan/);
  assert.equal(await speakAndGetVoice(), 'Ethan');

  await world.restartBot();
  await (await alice.slash('join')).reply({ matching: (m) => /Joined|already/.test(m.content ?? '') });
  assert.equal(await speakAndGetVoice(), 'Ethan');
});

test("the voice choices offered are the model's 17 voices, with dialects in the labels", () => {
  const voiceCommand = world.sim.commands().find((command) => command.name === 'voice');
  assert.ok(voiceCommand, 'the voice command is registered');
  const set = (voiceCommand.options as Array<{ name: string; options?: Array<{ name: string; choices?: Array<{ name: string; value: string }> }> }>).find(
    (o) => o.name === 'set',
  );
  const choices = set?.options?.find((o) => o.name === 'voice')?.choices ?? [];
  assert.equal(choices.length, 17);
  assert.ok(choices.some((c) => c.name === 'Jada (Shanghainese)' && c.value === 'Jada'));
});

test('/voice list describes every voice; /voice preview speaks a line in the voice asked for', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  const list = await (await alice.slash('voice list')).reply();
  const embed = JSON.stringify(list.embeds ?? []);
  assert.match(embed, /Jada \(Shanghainese\)\*\*: A lively woman from Shanghai\./);
  assert.match(embed, /Korean, Thai/);

  fake.script({ text: 'Hi, I am Kiki.', audio: { toneHz: 520, seconds: 0.6 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  const preview = await alice.slash('voice preview', { voice: 'Kiki' });
  const request = await fake.nextRequest();
  assert.equal(request.voice, 'Kiki');
  assert.ok((await heard).pcm.length / 2 / 48_000 >= 0.5);
  assert.match((await preview.reply({ matching: (m) => /That was/.test(m.content ?? ''), timeoutMs: 15_000 })).content ?? '', /That was Kiki \(Cantonese\)/);
});

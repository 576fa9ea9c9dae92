// Settings through the real commands: a transcript is posted when on, a persona reaches the model, /usage shows
// tokens by modality, only-me mode ignores others, and the bot leaves by itself once the last human has gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { IDLE_LEAVE_SECONDS: '1' } });
});
after(() => world.close());

async function aliceAsks(): Promise<void> {
  const heard = world.sim.botAudio.nextUtterance(20_000);
  await world.sim.user('alice').say(speechFixture('en_no_lead').path);
  await heard;
}

test('transcript, persona and usage', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  assert.match((await (await alice.slash('transcript', { state: 'on' })).reply()).content ?? '', /Transcripts on/);
  // Alice owns the server; Bob may not change the persona.
  await sim.user('bob').joinVoice('General');
  assert.match((await (await sim.user('bob').slash('persona set', { text: 'Rude.' })).reply()).content ?? '', /needs the Manage Server permission/);
  assert.match((await (await alice.slash('persona set', { text: 'A pirate who keeps it short.' })).reply()).content ?? '', /Persona saved/);

  fake.script({ text: 'Arr, ahoy there!', audio: { toneHz: 440, seconds: 0.5 } });
  const request = fake.nextRequest();
  const transcript = sim.nextMessage({ channel: 'General', matching: (m) => /ahoy/.test(m.content ?? ''), timeoutMs: 20_000 });
  await aliceAsks();
  assert.match((await request).systemText ?? '', /Persona set by this server: A pirate who keeps it short\./);
  assert.match((await transcript).content ?? '', /→ Alice: Arr, ahoy there!/);

  const usage = await (await alice.slash('usage')).reply();
  const text = JSON.stringify(usage.embeds ?? []);
  assert.match(text, /in: text \d+, audio [1-9]\d*, image 0, video 0/);
  assert.match(text, /out: text [1-9]\d*, audio [1-9]\d*, reasoning 0/);
});

test('only-me mode: the bot answers Alice and ignores Bob', async () => {
  const { sim, fake } = world;
  const bob = sim.user('bob');
  await (await sim.user('alice').slash('listen', { mode: 'only-me' })).reply();
  const before = fake.requests.length;
  await bob.say(speechFixture('en_no_lead').path);
  fake.script({ text: 'Yes, Alice.', audio: { toneHz: 440, seconds: 0.3 } });
  await aliceAsks();
  assert.equal(fake.requests.length, before + 1, "only Alice's turn reached the model");
  assert.ok(fake.requests.at(-1)!.texts.some((t) => t.includes('Alice')));
});

test('/status shows the channel, whom it listens to, your voice and the latency of the last turns', async () => {
  const status = await (await world.sim.user('alice').slash('status')).reply();
  const text = JSON.stringify(status.embeds ?? []);
  assert.match(text, /<#\d+> \((listening|speaking)\)/);
  assert.match(text, /only <@\d+>/);
  assert.match(text, /Cherry \(bot default\)/);
  assert.match(text, /\d+ ms/);
  assert.match(text, /voice worker \d+/, 'names the worker holding the guild');
});

test('the bot leaves by itself when no human is left in the channel', async () => {
  const { sim } = world;
  const left = sim.nextBotLeave(15_000);
  await sim.user('alice').leaveVoice();
  await sim.user('bob').leaveVoice();
  assert.equal(await left, sim.guild().id);
});

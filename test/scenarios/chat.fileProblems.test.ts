// Several files in one message: every file's problem in one reply, the good ones still described with a note
// about the rest, and file names echoed safely (no bidi reversal, no mentions).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makePng } from '../support/images.ts';
import { mediaFixture } from '../media/files.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

const inChat = { channel: 'general', timeoutMs: 20_000 } as const;

test('three bad files in one message: one reply names each with its own reason, nothing is sent', async () => {
  const { sim, fake } = world;
  const requestsBefore = fake.requests.length;
  const reply = sim.nextMessage(inChat);
  await sim.user('alice').post({
    content: `${sim.botMention} what are these?`,
    attachments: [
      { name: 'notes.png', data: Buffer.from('just some notes\n') },
      { name: 'empty.jpg', data: Buffer.alloc(0) },
      { name: 'party.gif', data: mediaFixture('animated.gif') },
    ],
  });
  const lines = ((await reply).content ?? '').split('\n');
  assert.equal(lines[0], "I can't use any of these 3 files:");
  assert.match(lines[1]!, /notes\.png is a text file, not a PNG image/);
  assert.match(lines[2]!, /empty\.jpg is empty/);
  assert.match(lines[3]!, /party\.gif is animated/);
  assert.equal(fake.requests.length, requestsBefore);
});

test('two good images and a bad one: the good ones are described, with a note naming the bad one', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'Two gradients.', chunkIntervalMs: 5 });
  const first = sim.nextMessage(inChat);
  await sim.user('alice').post({
    content: `${sim.botMention}`,
    attachments: [
      { name: 'a.png', data: makePng(64, 64) },
      { name: 'dot.png', data: makePng(8, 8) },
      { name: 'b.png', data: makePng(96, 32) },
    ],
  });
  const answer = await sim.messageSettles(await first, (m) => /gradients\.$/.test(m.content ?? ''));
  assert.equal(answer.content, '-# dot.png is 8x8 px; both sides must be larger than 10 px.\nTwo gradients.');
  assert.deepEqual(
    fake.requests.at(-1)!.images.map((image) => [image.width, image.height]),
    [
      [64, 64],
      [96, 32],
    ],
  );
});

test('a name with a right-to-left override and @everyone is echoed as plain text', async () => {
  const { sim } = world;
  const reply = sim.nextMessage(inChat);
  await sim.user('alice').post({ content: `${sim.botMention}`, attachments: [{ name: '@everyone \u202Egnp.exe', data: Buffer.from('MZ fake program') }] });
  const content = (await reply).content ?? '';
  assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(content), 'no bidi controls');
  assert.doesNotMatch(content, /@everyone/);
  assert.match(content, /^@\u200beveryone gnp\.exe is a Windows program;/);
});

test('/describe with a good image and a bad one describes the good one, with a note naming the bad one', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A gradient.', chunkIntervalMs: 5 });
  const interaction = await sim
    .user('alice')
    .slash('describe', { file: { name: 'good.png', data: makePng(64, 64) }, file2: { name: 'tiny.png', data: makePng(8, 8) }, speak: false });
  const answer = await interaction.reply({ matching: (m) => /gradient\.$/.test(m.content ?? ''), timeoutMs: 15_000 });
  assert.equal(answer.content, '-# tiny.png is 8x8 px; both sides must be larger than 10 px.\nA gradient.');
  assert.deepEqual(
    fake.requests.at(-1)!.images.map((image) => [image.width, image.height]),
    [[64, 64]],
  );
});

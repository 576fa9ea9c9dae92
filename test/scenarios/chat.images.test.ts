// Scenario 3: an image posted with a mention gets its description in the channel, and the request carried
// the image; several images go in one request. (Bad files: chat.badFiles.test.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makePng } from '../support/images.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

test('an image with a mention is described in the channel, and the model got the image', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A colourful gradient, darker at the top left.', chunkIntervalMs: 5 });
  const first = sim.nextMessage({ channel: 'general', timeoutMs: 15_000 });
  await sim
    .user('alice')
    .post({ content: `${sim.botMention} what is in this picture?`, attachments: [{ name: 'photo.png', data: makePng(320, 200), contentType: 'image/png' }] });
  // The answer streams into one message, edited as it grows.
  const answer = await sim.messageSettles(await first, (m) => /left\.$/.test(m.content ?? ''));
  assert.equal(answer.content, 'A colourful gradient, darker at the top left.');
  const request = fake.requests.at(-1)!;
  assert.deepEqual(
    request.images.map((i) => [i.mime, i.width, i.height]),
    [['image/png', 320, 200]],
  );
  assert.ok(request.texts.some((t) => t === 'what is in this picture?'));
  assert.deepEqual(request.modalities, ['text']);
});

test('several images in one message go in one request', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'Two gradients of different sizes.', chunkIntervalMs: 5 });
  const first = sim.nextMessage({ channel: 'general', timeoutMs: 15_000 });
  await sim.user('alice').post({
    content: `${sim.botMention}`,
    attachments: [
      { name: 'a.png', data: makePng(64, 64), contentType: 'image/png' },
      { name: 'b.png', data: makePng(128, 32), contentType: 'image/png' },
    ],
  });
  await sim.messageSettles(await first, (m) => /sizes\.$/.test(m.content ?? ''));
  const request = fake.requests.at(-1)!;
  assert.deepEqual(
    request.images.map((i) => [i.width, i.height]),
    [
      [64, 64],
      [128, 32],
    ],
  );
  assert.ok(request.texts.includes('Describe these images.'));
});

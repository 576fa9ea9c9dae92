// Bad files posted to the bot: each kind gets its own one-line reason, nothing reaches the model, and the bot
// goes on answering everyone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BAD_FILES } from '../media/files.ts';
import { makePng } from '../support/images.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

async function postAndRead(name: string, data: Uint8Array): Promise<string> {
  const { sim } = world;
  const answer = sim.nextMessage({ channel: 'general', timeoutMs: 15_000 });
  await sim.user('alice').post({ content: `${sim.botMention} what is this?`, attachments: [{ name, data }] });
  return (await answer).content ?? '';
}

test('every kind of bad file gets its own reason and no request is sent', async () => {
  const { fake } = world;
  const before = fake.requests.length;
  const reasons: string[] = [];
  for (const bad of BAD_FILES) {
    const reason = await postAndRead(bad.name, bad.bytes());
    assert.match(reason, bad.reason, bad.what);
    assert.ok(!reason.includes('\n') && reason.length < 200, `one short line: ${reason}`);
    reasons.push(reason);
  }
  assert.ok(BAD_FILES.length >= 8);
  assert.equal(new Set(reasons).size, reasons.length, 'each reason is its own');
  assert.equal(fake.requests.length, before, 'nothing reached the model');
});

test('a file over the size the model takes is refused from its declared size, before downloading', async () => {
  const { sim, fake } = world;
  const before = fake.requests.length;
  const downloadsBefore = sim.rest.calls.filter((call) => call.route.startsWith('/attachments/')).length;
  const reason = await postAndRead('huge.png', Buffer.alloc(8 * 1024 * 1024));
  assert.match(reason, /huge\.png is 8\.0 MB; the most I can send to the model is 7\.\d MB/);
  assert.equal(sim.rest.calls.filter((call) => call.route.startsWith('/attachments/')).length, downloadsBefore, 'never downloaded');
  assert.equal(fake.requests.length, before);
});

test('after all that, a good image is still described', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A small gradient.', chunkIntervalMs: 5 });
  const first = sim.nextMessage({ channel: 'general', timeoutMs: 15_000 });
  await sim.user('bob').post({ content: `${sim.botMention}`, attachments: [{ name: 'ok.png', data: makePng(48, 48) }] });
  assert.equal((await sim.messageSettles(await first, (m) => /gradient\.$/.test(m.content ?? ''))).content, 'A small gradient.');
});

test('without the Message Content intent, /describe-channel on explains what the owner must enable', async () => {
  const { sim } = world;
  const reply = await (await sim.user('alice').slash('describe-channel', { state: 'on' })).reply();
  assert.match(reply.content ?? '', /enable the Message Content intent .* DISCORD_MESSAGE_CONTENT=on/);
});

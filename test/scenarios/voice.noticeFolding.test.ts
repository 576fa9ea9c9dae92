// Scenario: failures in a row. The chat gets one notice at once; the rest are not dropped but folded into
// one message that counts them when the 15 s notice interval is over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld();
  const alice = world.sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
});
after(() => world.close());

const say = () => world.sim.user('alice').say(speechFixture('en_no_lead').path);

test('three failures in a row: one notice at once, then one message counting the rest', async () => {
  const { sim, fake } = world;
  const limited = { fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 30 } } as const;
  const first = sim.nextMessage({ channel: 'General', timeoutMs: 20_000 });
  for (let i = 0; i < 3; i++) {
    fake.script(limited);
    const request = fake.nextRequest(20_000);
    await say();
    await request;
  }
  assert.equal((await first).content, 'The model is getting too many requests right now. Please try again in 30 s.');
  const folded = await sim.nextMessage({ channel: 'General', timeoutMs: 30_000 });
  assert.equal(folded.content, 'The model is getting too many requests right now. Please try again in 30 s. (2 times in the last 15 s)');
});

// Scenario 5: the model answers 429 once: a short notice appears in the voice channel's chat, and the next
// utterance is answered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

test('a 429 becomes one short notice and the bot keeps listening', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  // Longer than the client is willing to wait, so the failure reaches the person.
  fake.script({ fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 30 } });
  const notice = sim.nextMessage({ channel: 'General', timeoutMs: 20_000 });
  await alice.say(speechFixture('en_no_lead').path);
  const posted = await notice;
  assert.match(posted.content ?? '', /too many requests.*30 s/);
  assert.ok((posted.content ?? '').length < 120, 'the notice is short');

  fake.script({ text: 'I am back.', audio: { toneHz: 500, seconds: 0.6 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  const reply = await heard;
  assert.ok(reply.pcm.length / 2 / 48_000 >= 0.5);
});

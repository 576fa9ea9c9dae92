// The voice connection needs the gateway (op 4) while the gateway is reconnecting: the voice server drops the
// bot (4006, session no longer valid) while its gateway socket is down. When the gateway resumes, the bot joins
// its channel again and keeps the conversation, instead of sitting silent (workers) or leaving (main thread).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorld, workersLabel, type World } from './world.ts';
import { speechFixture } from './support.ts';

for (const voiceWorkers of [0, 2]) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({ voiceWorkers });
    });
    after(() => world.close());

    test('a voice drop while the gateway is down is repaired when it resumes', async () => {
      const { sim, fake } = world;
      const alice = sim.user('alice');
      await alice.joinVoice('General');
      await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      fake.setReplyRule(() => ({ text: 'First answer.', audio: { toneHz: 440, seconds: 0.5 } }));
      const first = sim.botAudio.nextUtterance(20_000);
      await alice.say(speechFixture('en_no_lead').path);
      await first;

      sim.holdGateway();
      await sim.disconnectGateway(4000);
      await sim.disconnectVoice(4006);
      const rejoined = sim.nextBotJoin(20_000);
      const resumesBefore = sim.gateway.resumes;
      sim.releaseGateway();
      assert.equal(await rejoined, sim.channelId('General'));
      await sim.waitForVoiceReady(undefined, 20_000);
      assert.equal(sim.gateway.resumes, resumesBefore + 1, 'the gateway resumed (same session)');

      fake.setReplyRule(() => ({ text: 'Second answer.', audio: { toneHz: 660, seconds: 0.5 } }));
      const second = sim.botAudio.nextUtterance(20_000);
      await alice.say(speechFixture('en_no_lead').path);
      await second;
      const history = fake.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'assistant')
        .map((m) => String(m.content));
      assert.deepEqual(history, ['First answer.'], 'the conversation survived');
    });
  });
}

// A new gateway session (op 9, not resumable) takes the bot out of its voice channels, as on Discord; when
// discord.js has identified again the bot rejoins every channel it was in, keeping its conversation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import { startWorld, workersLabel, type World } from './world.ts';
import { leftChannel, speechFixture } from './support.ts';

for (const voiceWorkers of [0, 2]) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({ voiceWorkers });
    });
    after(() => world.close());

    test('after an invalid session the bot rejoins its channel and keeps the conversation', async () => {
      const { sim, fake } = world;
      const alice = sim.user('alice');
      await alice.joinVoice('General');
      await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      fake.setReplyRule(() => ({ text: 'First answer.', audio: { toneHz: 440, seconds: 1 } }));
      const first = sim.botAudio.nextUtterance(20_000);
      await alice.say(speechFixture('en_no_lead').path);
      await first;

      const rejoined = sim.nextBotJoin(20_000);
      await sim.invalidateGatewaySession();
      assert.equal(await rejoined, sim.channelId('General'));
      await sim.waitForVoiceReady(undefined, 20_000);
      assert.equal(sim.gateway.sessions.length, 1, 'discord.js identified again (a new session)');

      fake.setReplyRule(() => ({ text: 'Second answer.', audio: { toneHz: 660, seconds: 1 } }));
      const second = sim.botAudio.nextUtterance(20_000);
      await alice.say(speechFixture('en_no_lead').path);
      assert.ok(Math.abs(dominantFrequency(leftChannel(await second), 48_000) - 660) <= 6.6);
      const history = fake.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'assistant')
        .map((m) => String(m.content));
      assert.deepEqual(history, ['First answer.'], 'the conversation survived the new session');
    });
  });
}

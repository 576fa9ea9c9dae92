// Scenario 7: two guilds talking at once do not mix audio, voices or history.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import { startWorld, VOICE_WORKER_MODES, workersLabel, type World } from './world.ts';
import { leftChannel, speechFixture } from './support.ts';

for (const voiceWorkers of VOICE_WORKER_MODES) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({
        sim: {
          guilds: [
            { name: 'Alpha', users: ['alice'] },
            { name: 'Beta', users: ['bob'] },
          ],
        },
        voiceWorkers,
      });
    });
    after(() => world.close());

    test('each guild hears its own reply in its own voice and keeps its own history', async () => {
      const { sim, fake } = world;
      const alice = sim.user('alice', 'Alpha');
      const bob = sim.user('bob', 'Beta');
      await alice.joinVoice('General');
      await bob.joinVoice('General');
      await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      await (await bob.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      await (await alice.slash('voice set', { voice: 'Ethan' })).reply();
      await (await bob.slash('voice set', { voice: 'Kiki' })).reply();

      // The fake answers by voice: Ethan with 440 Hz, Kiki with 660 Hz, and says which guild's voice it used.
      fake.setReplyRule((request) =>
        request.voice === 'Ethan'
          ? { text: 'Answer for Alpha.', audio: { toneHz: 440, seconds: 1.5 } }
          : { text: 'Answer for Beta.', audio: { toneHz: 660, seconds: 1.5 } },
      );

      const alphaHears = sim.botAudioIn('Alpha').nextUtterance(20_000);
      const betaHears = sim.botAudioIn('Beta').nextUtterance(20_000);
      await Promise.all([alice.say(speechFixture('en_no_lead').path), bob.say(speechFixture('de_pauses').path)]);
      const [alpha, beta] = await Promise.all([alphaHears, betaHears]);
      assert.ok(Math.abs(dominantFrequency(leftChannel(alpha), 48_000) - 440) <= 4.4, 'Alpha hears only its own reply');
      assert.ok(Math.abs(dominantFrequency(leftChannel(beta), 48_000) - 660) <= 6.6, 'Beta hears only its own reply');

      const firstRound = fake.requests.slice(-2);
      assert.deepEqual(firstRound.map((r) => r.voice).sort(), ['Ethan', 'Kiki']);

      const alphaNext = sim.botAudioIn('Alpha').nextUtterance(20_000);
      await alice.say(speechFixture('en_no_lead').path);
      await alphaNext;
      const alphaRequest = fake.requests.at(-1)!;
      const history = alphaRequest.messages.filter((m) => m.role === 'assistant').map((m) => String(m.content));
      assert.deepEqual(history, ['Answer for Alpha.']);
      assert.ok(
        alphaRequest.texts.every((text) => !text.includes('Bob')),
        'no trace of the other guild',
      );
    });
  });
}

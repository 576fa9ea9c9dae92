// Scenario 1: /join, then Alice speaks. The model gets one 16 kHz mono WAV of what she said (length within
// 150 ms of the spoken part, strongly correlated with the source) with her name in the text part; the channel
// hears the model's whole reply at the same pitch as one unbroken RTP stream, after its first byte (how fast and
// how evenly paced is the bench's to measure: npm run bench, latency and scale).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorld, VOICE_WORKER_MODES, workersLabel, type World } from './world.ts';
import { assertChannelHeardReply, assertModelGotAlice, frameClock, speechFixture } from './support.ts';

for (const voiceWorkers of VOICE_WORKER_MODES) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({ voiceWorkers });
    });
    after(() => world.close());

    test('Alice speaks after /join and hears the model reply in the channel', async () => {
      const { sim, fake, config } = world;
      const alice = sim.user('alice');
      await alice.joinVoice('General');
      const joined = await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      assert.match(joined.content ?? '', /Joined General/);
      // DAVE is on: the bot offers end-to-end encryption (this simulator then answers with version 0).
      assert.equal(sim.voice.sessions.get(sim.guild().id)?.identify.max_dave_protocol_version, 1);

      fake.script({ text: 'Sure, take your time.', audio: { toneHz: 440, seconds: 2 } });
      const speech = speechFixture('en_pauses');
      const requestSeen = fake.nextRequest();
      const replyHeard = sim.botAudio.nextUtterance(20_000);
      const clock = frameClock();
      await alice.say(speech.path, { onFrameSent: clock.onFrameSent });

      const request = await requestSeen;
      const reply = await replyHeard;
      const firstAudioAt = await request.firstAudioAt;

      // What the model received (checked after the reply, so heavy maths cannot stall playback in this process).
      assertModelGotAlice(request, speech);

      // What the channel heard.
      assertChannelHeardReply(reply, firstAudioAt!, clock.at(speech.speechEndMs) + config.voice.silenceMs);
    });
  });
}

// Scenario 4: Bob speaks while the bot is answering Alice: playback stops before the reply's end, while he
// speaks, the model request is cancelled, and the next request's history holds only what was played. How soon
// it stops (within 200 ms of his speech) depends on the machine's load: the bench's latency section measures it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorld, VOICE_WORKER_MODES, workersLabel, type World } from './world.ts';
import { speechFixture } from './support.ts';

for (const voiceWorkers of VOICE_WORKER_MODES) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({ voiceWorkers });
    });
    after(() => world.close());

    const LONG_ANSWER =
      'Well, there are many things to say about that. First of all, the weather has been unusual this year, and second, ' +
      'the forecasts keep changing from one day to the next, which makes planning anything outdoors rather difficult for everyone.';

    test('Bob talking over the reply stops it and history keeps only what was heard', async () => {
      const { sim, fake } = world;
      const alice = sim.user('alice');
      const bob = sim.user('bob');
      await alice.joinVoice('General');
      await bob.joinVoice('General');
      await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

      fake.script({ text: LONG_ANSWER, audio: { toneHz: 440, seconds: 8 } });
      const aliceRequest = fake.nextRequest();
      await alice.say(speechFixture('en_no_lead').path);
      const request = await aliceRequest;
      // Let about a second of the answer play.
      for (let played = 0; played < 50; played++) await sim.botAudio.nextAudioPacket();

      fake.script({ text: 'Yes, Bob?', audio: { toneHz: 300, seconds: 0.5 } });
      const bobRequest = fake.nextRequest();
      const interrupted = sim.botAudio.nextUtterance(20_000);
      let bobStarted = Infinity;
      const bobSaid = bob.say(speechFixture('en_no_lead').path, { onFirstPacket: (at) => (bobStarted = at) });
      const cut = await interrupted;
      assert.ok(cut.endedAt > bobStarted, 'the reply was still playing when Bob began');
      assert.ok(cut.packets.length < 8 * 50, `the 8 s answer was cut short (${cut.packets.length} of 400 frames played)`);
      assert.equal(await request.aborted, true, "Alice's request was cancelled");

      await bobSaid;
      const next = await bobRequest;
      const assistant = next.messages.filter((m) => m.role === 'assistant').map((m) => String(m.content));
      assert.equal(assistant.length, 1);
      assert.match(assistant[0]!, / \[interrupted\]$/);
      const heard = assistant[0]!.replace(/ \[interrupted\]$/, '');
      assert.ok(LONG_ANSWER.startsWith(heard), 'the kept text is the start of the answer');
      assert.ok(heard.length < LONG_ANSWER.length, `kept ${heard.length} of ${LONG_ANSWER.length} characters`);
      await sim.botAudio.nextUtterance(20_000);
    });
  });
}

// Scenario 1 with DAVE end-to-end encryption on (as Discord requires): the simulated voice server answers
// dave_protocol_version 1 and acts as the MLS delivery service, Alice is a DAVE member through davey.
// The assertions of voice.turn.test.ts hold unchanged, plus proof that DAVE carried the audio both ways:
// the group formed (epoch 1, bot + Alice, same voice privacy code on both sides), Alice's frames were
// encrypted end to end, and every frame of the bot's reply was a DAVE frame that plain Opus cannot play.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getVoiceConnection } from '@discordjs/voice';
import { OpusDecodeError, OpusDecoder } from '../../src/audio/opus.ts';
import { dominantFrequency } from '../audio/signal.ts';
import { hasDaveMarker } from '../sim/dave/member.ts';
import type { BotPacket } from '../sim/botAudio.ts';
import { DEFAULT_VOICE_WORKERS, startWorld, workersLabel, type World } from './world.ts';
import { assertChannelHeardReply, assertModelGotAlice, frameClock, speechFixture } from './support.ts';

/** Decodes frames as if they were plain Opus; returns the left channel of what could be decoded. */
function decodeAsPlainOpus(packets: readonly BotPacket[]): { left: Int16Array; failures: number } {
  const decoder = new OpusDecoder();
  const left: number[] = [];
  let failures = 0;
  for (const packet of packets) {
    try {
      const pcm = decoder.decode(packet.wire);
      for (let i = 0; i < pcm.length; i += 2) left.push(pcm[i]!);
    } catch (error) {
      if (!(error instanceof OpusDecodeError)) throw error;
      failures++;
    }
  }
  decoder.destroy();
  return { left: Int16Array.from(left), failures };
}

// DAVE in a worker thread (davey's N-API module loaded there) and on the main thread.
for (const voiceWorkers of [0, DEFAULT_VOICE_WORKERS]) {
  describe(workersLabel(voiceWorkers), () => {
    let world: World;
    before(async () => {
      world = await startWorld({ sim: { dave: true }, voiceWorkers });
    });
    after(() => world.close());

    test('with DAVE on, Alice speaks after /join and hears the model reply in the channel', async () => {
      const { sim, fake, config } = world;
      const alice = sim.user('alice');
      await alice.joinVoice('General');
      const joined = await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
      assert.match(joined.content ?? '', /Joined General/);
      const session = sim.voice.sessions.get(sim.guild().id)!;
      assert.equal(session.identify.max_dave_protocol_version, 1);
      assert.equal(session.daveProtocolVersion, 1, 'the voice server chose DAVE');

      // The group: created by one member's commit, the other welcomed, transition 1 executed.
      const group = await sim.daveSettled();
      assert.equal(group.epoch, 1n);
      assert.deepEqual([...group.members].sort(), [sim.botUserId, alice.id].sort());
      const call = sim.daveCall()!;
      const member = call.members.get(alice.id)!;
      if (world.config.voice.workers === 0) {
        // The bot's connection is in this thread only without voice workers; with them, the group above and the
        // audio both ways below prove the shared epoch.
        assert.ok(getVoiceConnection(sim.guild().id)?.voicePrivacyCode, 'the bot has a voice privacy code');
        assert.equal(getVoiceConnection(sim.guild().id)?.voicePrivacyCode, member.session.voicePrivacyCode, 'the bot and Alice share the epoch');
      }

      fake.script({ text: 'Sure, take your time.', audio: { toneHz: 440, seconds: 2 } });
      const speech = speechFixture('en_pauses');
      const requestSeen = fake.nextRequest();
      const replyHeard = sim.botAudio.nextUtterance(20_000);
      const encryptedBefore = member.encrypted;
      const clock = frameClock();
      await alice.say(speech.path, { onFrameSent: clock.onFrameSent });

      const request = await requestSeen;
      const reply = await replyHeard;
      const firstAudioAt = await request.firstAudioAt;

      // What the model received (checked after the reply, so heavy maths cannot stall playback in this process).
      assertModelGotAlice(request, speech);
      // ... and it came end to end encrypted: the bot could only have decoded it through its DAVE session.
      assert.ok(
        member.encrypted - encryptedBefore >= Math.floor(speech.spokenMs / 20),
        `${member.encrypted - encryptedBefore} frames encrypted by Alice's client`,
      );

      // What the channel heard (after end-to-end decryption by Alice's client).
      assertChannelHeardReply(reply, firstAudioAt!, clock.at(speech.speechEndMs) + config.voice.silenceMs);

      // DAVE on the wire: every reply frame ends with the 0xFAFA marker and opened only with the bot's sender key;
      // read as plain Opus the same bytes do not give the reply back.
      assert.ok(
        reply.packets.every((p) => p.e2ee && hasDaveMarker(p.wire)),
        'every reply frame was a DAVE frame',
      );
      const plain = decodeAsPlainOpus(reply.packets);
      const plainPitch = plain.left.length ? dominantFrequency(plain.left, 48_000) : 0;
      assert.ok(plain.failures > 0 || Math.abs(plainPitch - 440) > 20, `read as plain Opus: ${plain.failures} failures, pitch ${plainPitch.toFixed(1)} Hz`);
      assert.equal(call.botDecryptFailures, 0);
      assert.equal(call.ds.rejectedCommits, 0);
      assert.deepEqual(call.errors, []);
    });
  });
}

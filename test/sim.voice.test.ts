// The Discord simulator's voice side against the real @discordjs/voice: join over TLS + UDP with
// aead_aes256_gcm_rtpsize, receive a simulated user's tone, play a tone back, and survive a dropped
// voice socket (resume) or be disconnected by 4014.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  EndBehaviorType,
  entersState,
  joinVoiceChannel,
  StreamType,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import type { VoiceConnection } from '@discordjs/voice';
import type { Client } from 'discord.js';
import { OpusDecoder } from '../src/audio/opus.ts';
import { encodeWav } from '../src/audio/wav.ts';
import { channel, dominantFrequency, interleave, sine } from './audio/signal.ts';
import { SILENCE_FRAME } from './sim/rtp.ts';
import { startSimulator } from './sim/simulator.ts';
import type { Simulator } from './sim/simulator.ts';
import { loginClient } from './sim/testkit.ts';
import { withTimeout } from './sim/waiters.ts';

let sim: Simulator;
let client: Client<true>;
let connection: VoiceConnection;

/** A stereo tone at 48 kHz (same signal on both channels). */
function stereoTone(frequency: number, seconds: number): Int16Array {
  const mono = sine({ frequency, sampleRate: 48_000, seconds, amplitude: 0.4 });
  return interleave(mono, mono);
}

/** Collects what the client's receiver yields for a user until it ends (200 ms after their last packet, silence included). */
async function receiveFrom(userId: string, speak: () => Promise<void>): Promise<{ pcm: Int16Array; frames: number; silenceFrames: number }> {
  // AfterSilence would race the 5th silence frame (its timer is not renewed by silence frames).
  const stream = connection.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.AfterInactivity, duration: 200 } });
  const packets: Buffer[] = [];
  stream.on('data', (packet: Buffer) => packets.push(packet));
  const ended = new Promise((resolve, reject) => stream.once('end', resolve).once('error', reject));
  await speak();
  await withTimeout(ended, 5_000, 'the receive stream to end');
  const decoder = new OpusDecoder();
  const audio = packets.filter((p) => !p.equals(SILENCE_FRAME));
  const pcm = new Int16Array(audio.length * 1920);
  for (const [i, packet] of audio.entries()) pcm.set(decoder.decode(packet), i * 1920);
  decoder.destroy();
  return { pcm, frames: audio.length, silenceFrames: packets.length - audio.length };
}

before(async () => {
  sim = await startSimulator();
  client = await loginClient(sim);
  await sim.user('alice').joinVoice('General');
});

after(async () => {
  connection?.destroy();
  await client?.destroy();
  await sim?.close();
});

describe('voice', () => {
  test('joinVoiceChannel reaches Ready over TLS + UDP with aead_aes256_gcm_rtpsize', async () => {
    const guild = client.guilds.cache.get(sim.guild().id)!;
    const sessionReady = sim.waitForVoiceReady();
    connection = joinVoiceChannel({ guildId: guild.id, channelId: sim.channelId('General'), adapterCreator: guild.voiceAdapterCreator, selfDeaf: false });
    await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
    const session = await sessionReady;
    assert.equal(session.mode, 'aead_aes256_gcm_rtpsize');
    assert.ok(session.botAddress, 'IP discovery happened');
    assert.ok(sim.udp.keepAlives >= 1, 'the client sends a UDP keep-alive at once');
    assert.equal(session.identify.max_dave_protocol_version, 1, '@davey is installed, so the client offers DAVE');
    assert.equal(sim.guild().voiceStates.get(sim.botUserId)?.channelId, sim.channelId('General'));
  });

  test('receive: alice says a 440 Hz tone for 1 s and the receiver decodes it', async () => {
    const alice = sim.user('alice');
    const got = await receiveFrom(alice.id, () => alice.say(stereoTone(440, 1)));
    assert.equal(got.frames, 50, '1 s = 50 frames of 20 ms');
    assert.equal(got.silenceFrames, 5, 'the 5 silence frames a client sends when it stops');
    const pitch = dominantFrequency(channel(got.pcm, 2, 0), 48_000);
    assert.ok(Math.abs(pitch - 440) / 440 < 0.01, `pitch ${pitch.toFixed(1)} Hz`);
  });

  test('playback: a raw 660 Hz resource arrives as one continuous utterance', async () => {
    const player = createAudioPlayer();
    connection.subscribe(player);
    const tone = stereoTone(660, 1);
    player.play(createAudioResource(Readable.from([Buffer.from(tone.buffer)]), { inputType: StreamType.Raw }));
    const utterance = await sim.botAudio.nextUtterance(5_000);
    await entersState(player, AudioPlayerStatus.Idle, 2_000);
    player.stop();
    const seconds = utterance.pcm.length / 2 / 48_000;
    assert.ok(Math.abs(seconds - 1) <= 0.04, `${seconds.toFixed(3)} s of audio`);
    const pitch = dominantFrequency(channel(utterance.pcm, 2, 0), 48_000);
    assert.ok(Math.abs(pitch - 660) / 660 < 0.01, `pitch ${pitch.toFixed(1)} Hz`);
    assert.ok(
      utterance.packets.every((p, i) => i === 0 || p.sequence === ((utterance.packets[i - 1]!.sequence + 1) & 0xffff)),
      'sequence numbers are consecutive',
    );
    assert.equal(sim.botAudio.decryptFailures, 0);
  });

  test('say() takes a WAV file of any rate (16 kHz mono here) and converts it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'sim-voice-')), 'tone.wav');
    await writeFile(path, encodeWav(sine({ frequency: 300, sampleRate: 16_000, seconds: 0.5, amplitude: 0.4 }), 16_000, 1));
    const alice = sim.user('alice');
    const got = await receiveFrom(alice.id, () => alice.say(path));
    assert.equal(got.frames, 25);
    const pitch = dominantFrequency(channel(got.pcm, 2, 1), 48_000);
    assert.ok(Math.abs(pitch - 300) / 300 < 0.01, `pitch ${pitch.toFixed(1)} Hz`);
  });

  test('say() can drop packets and pause mid-utterance', async () => {
    const alice = sim.user('alice');
    const lossy = await receiveFrom(alice.id, () => alice.say(stereoTone(440, 0.4), { loss: (frame) => frame % 5 === 4, trailingSilence: false }));
    assert.equal(lossy.frames, 16, '4 of 20 frames lost');
    const started = performance.now();
    const paused = await receiveFrom(alice.id, () => alice.say(stereoTone(440, 0.2), { pauses: [{ afterFrame: 4, ms: 150 }] }));
    assert.equal(paused.frames, 10);
    assert.ok(performance.now() - started >= 200 + 150, 'the pause delayed the stream');
  });

  test('a dropped voice socket (1006) resumes, and receive still works after it', async () => {
    const reconnecting = entersState(connection, VoiceConnectionStatus.Connecting, 5_000);
    const resumed = sim.waitForVoiceReady();
    await sim.disconnectVoice(1006);
    await reconnecting;
    const session = await resumed;
    await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
    assert.equal(session.resumes, 1, 'op 7 Resume -> op 9 Resumed, same session');
    const alice = sim.user('alice');
    const got = await receiveFrom(alice.id, () => alice.say(stereoTone(440, 0.4)));
    assert.equal(got.frames, 20);
  });

  test('close code 4014 leaves the connection Disconnected', async () => {
    await sim.disconnectVoice(4014);
    await entersState(connection, VoiceConnectionStatus.Disconnected, 5_000);
    const state = connection.state;
    assert.equal(state.status, VoiceConnectionStatus.Disconnected);
    assert.equal('closeCode' in state ? state.closeCode : undefined, 4014);
  });
});

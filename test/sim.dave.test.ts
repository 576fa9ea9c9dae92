// The simulator's DAVE side against the real @discordjs/voice (+ @snazzah/davey): the voice server is the
// MLS delivery service, simulated users are DAVE members. The group forms when the client joins, media
// is end-to-end encrypted both ways, the group follows members joining and leaving and the client
// reconnecting, and a client without DAVE is refused.
import assert from 'node:assert/strict';
import { once } from 'node:events';
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
import type { DAVESession as DaveySession } from '@snazzah/davey';
import type { Client } from 'discord.js';
import { WebSocket } from 'ws';
import { OpusDecoder } from '../src/audio/opus.ts';
import { channel, dominantFrequency, interleave, sine } from './audio/signal.ts';
import { hasDaveMarker } from './sim/dave/member.ts';
import { SILENCE_FRAME } from './sim/rtp.ts';
import { startSimulator } from './sim/simulator.ts';
import type { Simulator } from './sim/simulator.ts';
import { loginClient } from './sim/testkit.ts';
import { withTimeout } from './sim/waiters.ts';

let sim: Simulator;
let client: Client<true>;
let connection: VoiceConnection;

function stereoTone(frequency: number, seconds: number): Int16Array {
  const mono = sine({ frequency, sampleRate: 48_000, seconds, amplitude: 0.4 });
  return interleave(mono, mono);
}

before(async () => {
  sim = await startSimulator({ dave: true });
  client = await loginClient(sim);
  await sim.user('alice').joinVoice('General');
});

after(async () => {
  connection?.destroy();
  await client?.destroy();
  await sim?.close();
});

/** The bot's and a member's voice privacy codes (derived from the epoch authenticator) must agree. */
function assertSameGroup(userName: string): void {
  const member = sim.daveCall()!.members.get(sim.user(userName).id)!;
  assert.ok(connection.voicePrivacyCode, 'the client has a voice privacy code');
  assert.equal(connection.voicePrivacyCode, member.session.voicePrivacyCode, `the client and ${userName} are in the same epoch of the same group`);
}

describe('DAVE', () => {
  test('joining forms an MLS group of the client and alice through the simulated delivery service', async () => {
    const guild = client.guilds.cache.get(sim.guild().id)!;
    const sessionReady = sim.waitForVoiceReady();
    connection = joinVoiceChannel({
      guildId: guild.id,
      channelId: sim.channelId('General'),
      adapterCreator: guild.voiceAdapterCreator,
      selfDeaf: false,
      daveEncryption: true,
    });
    await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
    const session = await sessionReady;
    assert.equal(session.daveProtocolVersion, 1);
    const group = await sim.daveSettled();
    assert.equal(group.epoch, 1n);
    assert.deepEqual([...group.members].sort(), [sim.botUserId, sim.user('alice').id].sort());
    const call = sim.daveCall()!;
    assert.deepEqual(
      call.ds.events.map((e) => e.kind),
      ['commit', 'executed'],
    );
    assert.equal(call.ds.rejectedCommits, 0);
    assertSameGroup('alice');
    assert.deepEqual(call.errors, []);
  });

  test("receive: alice's frames are end-to-end encrypted and the client decrypts them", async () => {
    const alice = sim.user('alice');
    const member = sim.daveCall()!.members.get(alice.id)!;
    const before = member.encrypted;
    const stream = connection.receiver.subscribe(alice.id, { end: { behavior: EndBehaviorType.AfterInactivity, duration: 200 } });
    const packets: Buffer[] = [];
    stream.on('data', (packet: Buffer) => packets.push(packet));
    const ended = new Promise((resolve, reject) => stream.once('end', resolve).once('error', reject));
    await alice.say(stereoTone(440, 1));
    await withTimeout(ended, 5_000, 'the receive stream to end');
    assert.equal(member.encrypted - before, 50 + 5, '50 audio frames and 5 silence frames went through DAVE');
    const audio = packets.filter((p) => !p.equals(SILENCE_FRAME));
    assert.equal(audio.length, 50);
    const decoder = new OpusDecoder();
    const pcm = new Int16Array(audio.length * 1920);
    for (const [i, packet] of audio.entries()) pcm.set(decoder.decode(packet), i * 1920);
    decoder.destroy();
    const pitch = dominantFrequency(channel(pcm, 2, 0), 48_000);
    assert.ok(Math.abs(pitch - 440) / 440 < 0.01, `pitch ${pitch.toFixed(1)} Hz`);
  });

  test("playback: the client's frames carry the DAVE marker and only the group key opens them", async () => {
    const player = createAudioPlayer();
    connection.subscribe(player);
    player.play(createAudioResource(Readable.from([Buffer.from(stereoTone(660, 1).buffer)]), { inputType: StreamType.Raw }));
    const utterance = await sim.botAudio.nextUtterance(5_000);
    await entersState(player, AudioPlayerStatus.Idle, 2_000);
    player.stop();
    assert.ok(
      utterance.packets.every((p) => p.e2ee && hasDaveMarker(p.wire)),
      'every audio frame was a DAVE frame',
    );
    const pitch = dominantFrequency(channel(utterance.pcm, 2, 0), 48_000);
    assert.ok(Math.abs(pitch - 660) / 660 < 0.01, `pitch ${pitch.toFixed(1)} Hz after end-to-end decryption`);
    assert.equal(sim.daveCall()!.botDecryptFailures, 0);
  });

  test('the group follows the channel: bob joins, alice leaves, bob leaves (sole member reset), alice returns', async () => {
    const call = sim.daveCall()!;
    const alice = sim.user('alice');
    const bob = sim.user('bob');
    await bob.joinVoice('General');
    let group = await sim.daveSettled();
    assert.equal(group.epoch, 2n);
    assert.deepEqual([...group.members].sort(), [sim.botUserId, alice.id, bob.id].sort());
    assertSameGroup('bob');

    await alice.leaveVoice();
    group = await sim.daveSettled();
    assert.equal(group.epoch, 3n);
    assert.deepEqual([...group.members].sort(), [sim.botUserId, bob.id].sort());
    assertSameGroup('bob');

    await bob.leaveVoice();
    const reset = call.ds.events.at(-1);
    assert.deepEqual(reset, { kind: 'reset', soleMember: sim.botUserId }, 'the client alone is told to start over (op 24 epoch 1, op 21 id 0)');
    await alice.joinVoice('General');
    group = await sim.daveSettled();
    assert.equal(group.epoch, 1n, 'a new group');
    assert.deepEqual([...group.members].sort(), [sim.botUserId, alice.id].sort());
    assertSameGroup('alice');
    await assertAliceHeard();
    assert.deepEqual(call.errors, []);
  });

  test('a resumed voice socket (1006) keeps the group', async () => {
    const before = sim.daveCall()!.ds.state;
    const resumed = sim.waitForVoiceReady();
    await sim.disconnectVoice(1006);
    assert.equal((await resumed).resumes, 1);
    await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
    assert.deepEqual(await sim.daveSettled(), before, 'same epoch, same members');
    await assertAliceHeard();
  });

  test('a new voice connection (re-identify after 4006) replaces the old leaf: alice alone resets, then a new group', async () => {
    const call = sim.daveCall()!;
    const alice = sim.user('alice');
    const identified = sim.waitForVoiceReady();
    await sim.disconnectVoice(4006);
    const session = await identified;
    assert.equal(session.resumes, 0, 'a new session, not a resume');
    await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
    const group = await sim.daveSettled();
    assert.ok(
      call.ds.events.some((e) => e.kind === 'reset' && e.soleMember === alice.id),
      'alice was left alone in the old group and reset',
    );
    assert.equal(group.epoch, 1n);
    assert.deepEqual([...group.members].sort(), [sim.botUserId, alice.id].sort());
    assertSameGroup('alice');
    await assertAliceHeard();
    assert.deepEqual(call.errors, []);
    assert.equal(call.ds.rejectedCommits, 0);
  });

  test('a client that does not offer DAVE is refused with 4017, as Discord does', async () => {
    const grant = sim.voice.grant({ guildId: sim.guild().id, userId: sim.botUserId, sessionId: 'no-dave-session', channelId: sim.channelId('General') });
    const ws = new WebSocket(`wss://${sim.voice.endpoint}?v=8`);
    await once(ws, 'open');
    const closed = once(ws, 'close');
    ws.send(
      JSON.stringify({
        op: 0,
        d: { server_id: grant.guildId, user_id: grant.userId, session_id: grant.sessionId, token: grant.token, max_dave_protocol_version: 0 },
      }),
    );
    const [code] = (await withTimeout(closed, 2_000, 'the voice server to close')) as [number];
    assert.equal(code, 4017);
  });
});

/** How many of alice's frames the client's DAVE session has decrypted (davey's own counter). */
function connectionDecryptions(): number {
  const state = connection.state;
  const networking = 'networking' in state ? state.networking.state : undefined;
  const dave = networking && 'dave' in networking ? networking.dave : undefined;
  // @discordjs/voice types its session narrowly; at run time it is davey's DAVESession.
  const session = dave?.session as DaveySession | undefined;
  return session?.getDecryptionStats(sim.user('alice').id)?.successes ?? 0;
}

/** Alice says a short tone and the client's receiver yields (DAVE-decrypted) audio from her. */
async function assertAliceHeard(): Promise<void> {
  const alice = sim.user('alice');
  const decryptedBefore = connectionDecryptions();
  const received = new Promise((resolve) => connection.receiver.subscribe(alice.id).once('data', resolve));
  await alice.say(stereoTone(440, 0.2));
  await withTimeout(received, 2_000, 'audio from alice');
  assert.ok(connectionDecryptions() > decryptedBefore, 'the client decrypted her frames with DAVE');
}

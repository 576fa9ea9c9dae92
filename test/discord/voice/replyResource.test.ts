// Guild replies ending must not make other guilds' packets skip a 20 ms cycle. @discordjs/voice 0.19.2 removes a
// player whose resource ran out from its list while walking that list (`audioPlayers.filter(checkPlayable)`),
// so the next guild's player misses a cycle; playReply ends replies outside that walk. The library's real cycle
// runs here, on node:test's mock clock (one tick = one cycle), with stand-in connections that record what each
// guild's player prepared and sent per cycle: no network, no wall clock.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mock, test } from 'node:test';
import { AudioPlayerStatus, StreamType, createAudioPlayer, createAudioResource, type AudioPlayer } from '@discordjs/voice';
import { concatSamples } from '../../../src/audio/pcm.ts';
import { OpusDecoder, OpusEncoder, OpusEncodingReader } from '../../../src/audio/opus.ts';
import { playReply } from '../../../src/discord/voice/replyResource.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../../../src/omni/events.ts';
import { ReplyAudio } from '../../../src/playback/ReplyAudio.ts';
import { channel, dominantFrequency, longestGapMs, segment, sine } from '../../audio/signal.ts';

const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
/** The real setImmediate, kept before the clock is mocked: one turn of the event loop between cycles. */
const realSetImmediate = globalThis.setImmediate;
const aTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/** Stands in for a Ready VoiceConnection: the player prepares a packet on one cycle and sends it on the next. */
class RecordingConnection {
  readonly state = { status: 'ready' };
  /** [cycle, packet] for every packet sent. */
  readonly sent: Array<[number, Buffer]> = [];
  /** Speaking flag changes, with the number of packets sent before each. */
  readonly speaking: Array<[boolean, number]> = [];
  #prepared: Buffer | undefined;
  #speaking = false;
  readonly #cycle: () => number;
  constructor(cycle: () => number) {
    this.#cycle = cycle;
  }
  prepareAudioPacket(packet: Buffer): void {
    this.#prepared = packet;
  }
  /** Whether a packet waits for the next send. */
  get prepared(): boolean {
    return this.#prepared !== undefined;
  }
  dispatchAudio(): boolean {
    if (!this.#prepared) return false;
    this.sent.push([this.#cycle(), this.#prepared]);
    this.#prepared = undefined;
    this.setSpeaking(true);
    return true;
  }
  setSpeaking(speaking: boolean): void {
    if (speaking === this.#speaking) return;
    this.#speaking = speaking;
    this.speaking.push([speaking, this.sent.length]);
  }
  /** Cycles between this connection's first and last packet on which it sent nothing. */
  skippedCycles(): number[] {
    const cycles = new Set(this.sent.map(([cycle]) => cycle));
    const skipped: number[] = [];
    for (let c = this.sent[0]![0]; c <= this.sent.at(-1)![0]; c++) if (!cycles.has(c)) skipped.push(c);
    return skipped;
  }
}

/** Distinct, recognisable stand-ins for Opus packets. */
const packets = (guild: string, count: number): Buffer[] => Array.from({ length: count }, (_, i) => Buffer.from(`${guild}${i}`));

/** A reply as GuildVoice produces it: packets arriving on a stream that ends. */
function replyStream(items: Buffer[]): Readable {
  const stream = new Readable({ objectMode: true, read() {} });
  for (const item of items) stream.push(item);
  stream.push(null);
  return stream;
}

type Play = (player: AudioPlayer, stream: Readable) => void;

/**
 * Three guilds start replies on the same cycle; A's is the shortest, B's the next, C's the longest. Runs the
 * library's cycle until every player is idle and returns each guild's connection.
 */
async function threeGuilds(play: Play, lengths = { A: 5, B: 15, C: 25 }) {
  const clock = mock.timers;
  clock.enable({ apis: ['setTimeout', 'setImmediate', 'Date'], now: 1_000_000 });
  try {
    let cycle = 0;
    const guilds = Object.entries(lengths).map(([name, count]) => {
      const player = createAudioPlayer();
      const connection = new RecordingConnection(() => cycle);
      (player as unknown as { subscribe(connection: unknown): void }).subscribe(connection);
      const items = packets(name, count);
      return { name, player, connection, items };
    });
    for (const guild of guilds) play(guild.player, replyStream(guild.items));
    // Buffering -> Playing happens on the streams' 'readable' events.
    await aTurn();
    for (let i = 0; i < 200 && guilds.some((g) => g.player.state.status !== AudioPlayerStatus.Idle); i++) {
      cycle = i;
      // One cycle: the library's 20 ms timer, then its per-player preparation one setImmediate apart.
      clock.tick(20);
      for (let k = 0; k < guilds.length + 1; k++) {
        clock.tick(0);
        await aTurn();
      }
    }
    return Object.fromEntries(guilds.map((g) => [g.name, g])) as Record<'A' | 'B' | 'C', (typeof guilds)[number]>;
  } finally {
    clock.reset();
  }
}

test("a guild's reply ending does not make another guild's packets skip a cycle", async () => {
  const guilds = await threeGuilds((player, stream) => playReply(player, stream));
  assert.deepEqual(
    { B: guilds.B.connection.skippedCycles(), C: guilds.C.connection.skippedCycles() },
    { B: [], C: [] },
    'cycles on which a guild still playing sent nothing',
  );
  for (const name of ['A', 'B', 'C'] as const) {
    const { connection, items, player } = guilds[name];
    // The whole reply, in order, then Discord's five frames of trailing silence.
    const sent = connection.sent.map(([, packet]) => packet);
    assert.deepEqual(sent.slice(0, items.length), items, `guild ${name} sent its whole reply in order`);
    assert.deepEqual(sent.slice(items.length), Array(5).fill(SILENCE), `guild ${name} ended with five silence frames`);
    // Speaking on with the first packet, off right after the last one; the player left the cycle.
    assert.deepEqual(connection.speaking, [
      [true, 1],
      [false, items.length + 5],
    ]);
    assert.equal(player.state.status, AudioPlayerStatus.Idle);
  }
});

test('the library bug is still there: a plain resource ending skips the next guild for a cycle (drop playReply when this fails)', async () => {
  const guilds = await threeGuilds((player, stream) => player.play(createAudioResource(stream, { inputType: StreamType.Opus })));
  assert.equal(guilds.B.connection.skippedCycles().length, 1, 'B, next after A in the list, misses one cycle when A ends');
});

// Encoding follows the player: a reply's frames are encoded as its packets are taken, one per 20 ms cycle, not when
// the model's audio reaches the voice thread (an 80 ms chunk used to be encoded in one go, inside the message
// that brought it, at whatever moment that was: also just before a cycle's send, and after a wait for a core).
test("a reply's frames are encoded as the player takes them, one per cycle, and the whole reply plays", async () => {
  const clock = mock.timers;
  clock.enable({ apis: ['setTimeout', 'setImmediate', 'Date'], now: 1_000_000 });
  const encode = mock.method(OpusEncoder.prototype, 'encode');
  try {
    const player = createAudioPlayer();
    const connection = new RecordingConnection(() => cycle);
    (player as unknown as { subscribe(connection: unknown): void }).subscribe(connection);
    // The model's reply: 2 s of a 330 Hz tone at 24 kHz in 80 ms chunks, the first 100 ms before playback starts.
    const tone = sine({ frequency: 330, sampleRate: MODEL_OUTPUT_SAMPLE_RATE, seconds: 2, amplitude: 0.5 });
    const chunk = (MODEL_OUTPUT_SAMPLE_RATE * 80) / 1000;
    const chunks = Array.from({ length: tone.length / chunk }, (_, i) => tone.subarray(i * chunk, (i + 1) * chunk));
    const reply = new ReplyAudio({ jitterMs: 100 });
    reply.push(chunks.shift()!);
    reply.push(chunks.shift()!);
    assert.ok(reply.started);
    playReply(player, new OpusEncodingReader(reply.readable));
    await aTurn();

    let cycle = 0;
    /** Frames encoded beyond the packets the player has taken (sent, or prepared for the next send). */
    const ahead = (): number => encode.mock.callCount() - connection.sent.length - (connection.prepared ? 1 : 0);
    const mostAhead: number[] = [];
    const encodedByArrival: number[] = [];
    for (; cycle < 200 && player.state.status !== AudioPlayerStatus.Idle; cycle++) {
      // A chunk every 4 cycles (80 ms), as the model streams in real time.
      if (cycle % 4 === 0 && chunks.length > 0) {
        const before = encode.mock.callCount();
        reply.push(chunks.shift()!);
        if (chunks.length === 0) reply.end();
        encodedByArrival.push(encode.mock.callCount() - before);
      }
      clock.tick(20);
      await aTurn();
      clock.tick(0);
      await aTurn();
      mostAhead.push(ahead());
    }
    assert.ok(Math.max(...encodedByArrival) <= 1, `frames encoded when a chunk arrived: ${encodedByArrival.join(' ')}`);
    assert.ok(Math.max(...mostAhead) <= 2, `frames encoded ahead of the player, per cycle: max ${Math.max(...mostAhead)}`);

    // The whole reply, as audio: 2 s (100 frames) of the tone, in order, then the five silence frames.
    const sent = connection.sent.map(([, packet]) => packet);
    assert.equal(sent.length, 100 + 5);
    assert.deepEqual(sent.slice(100), Array(5).fill(SILENCE));
    const decoder = new OpusDecoder();
    const pcm = concatSamples(sent.slice(0, 100).map((packet) => decoder.decode(packet)));
    decoder.destroy();
    const left = channel(pcm, 2, 0);
    assert.equal(left.length, 2 * 48_000);
    assert.ok(Math.abs(dominantFrequency(segment(left, 48_000, 0.2, 1.8), 48_000) - 330) < 3.3, 'pitch within 1 %');
    assert.ok(longestGapMs(segment(left, 48_000, 0.05, 1.95), 48_000) === 0, 'no hole in the tone');
  } finally {
    encode.mock.restore();
    clock.reset();
  }
});

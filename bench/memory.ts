/**
 * 4. Memory over a simulated hour of conversation in one process. The bot's own pipeline, in process and
 * unchanged: three people's Opus packets through their SpeakerListeners (decode, resample, endpointer), each
 * utterance into the guild's VoiceSession, the request to the fake model over HTTP with the real client (the
 * fake runs in another process and answers at once), the reply through ReplyAudio and the Opus encoder stream
 * that GuildVoice hands to @discordjs/voice (read as fast as it comes).
 * Time is compressed with a virtual clock: packets and silence are fed as fast as the CPU allows while the
 * clock advances 20 ms per packet, 20 ms per idle tick, and the reply's length while it "plays". An hour is
 * turns until the clock reaches 60 minutes (speech, the 700 ms silence window, a 4 s reply, a short pause).
 * After a forced GC (--expose-gc), heap and RSS are sampled every few turns.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { OpusEncodingReader } from '../src/audio/opus.ts';
import { createLogger } from '../src/log.ts';
import { MODELS } from '../src/omni/catalogue.ts';
import { OmniClient } from '../src/omni/client.ts';
import { createSpeechDetector } from '../src/receive/detector.ts';
import { SpeakerListener } from '../src/receive/SpeakerListener.ts';
import { GuildSpeaker } from '../src/playback/GuildSpeaker.ts';
import { VoiceSession, type TurnOutcome } from '../src/session/VoiceSession.ts';
import { BufferedPlayback, type PcmPlayback, type PlaybackHandle, type ReplyOptions, type VoiceOutput } from '../src/playback/VoiceOutput.ts';
import { atMost, figure, type Section } from './lib/figures.ts';
import { slope } from './lib/stats.ts';
import { opusPackets, speechPieces } from '../test/support/speechPieces.ts';

const REPLY_SECONDS = 4;
const PAUSE_MS = 500;
const SPEAKERS = ['alice', 'bob', 'carol'];
const DETECTOR_SETTINGS = { silenceMs: 700, maxUtteranceMs: 60_000 };
const MiB = 2 ** 20;
/** Heap growth per turn after warm-up that still counts as flat. */
const GOAL_BYTES_PER_TURN = 1024;
/** Share of the hour counted as warm-up (see where the samples are split). */
const WARM_UP_FRACTION = 0.5;

/** GuildVoice.play without Discord: the same Opus packet reader, read at once; played time counts packets. */
class EncodingOutput implements VoiceOutput {
  startReply(options: ReplyOptions): PlaybackHandle {
    return new BufferedPlayback(this, options);
  }

  play(audio: Readable): PcmPlayback {
    let packets = 0;
    const encoded = new OpusEncodingReader(audio);
    encoded.on('error', () => {});
    encoded.on('data', () => packets++);
    const finished = new Promise<void>((resolve) => encoded.once('close', resolve));
    return { playedMs: () => packets * 20, stop: () => encoded.destroy(), finished };
  }
}

interface Sample {
  turn: number;
  minute: number;
  heapUsedMiB: number;
  rssMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

export const run: Section = async ({ smoke, log }) => {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with --expose-gc');
  const hourMs = smoke ? 3 * 60_000 : 60 * 60_000;
  const fake = spawn(process.execPath, [new URL('support/fakeModel.ts', import.meta.url).pathname, '--reply-seconds', String(REPLY_SECONDS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [baseURL] = (await once(createInterface({ input: fake.stdout! }), 'line')) as [string];
    let now = 0;
    const session = new VoiceSession({
      omni: new OmniClient({ apiKey: 'test-key', baseURL }),
      model: MODELS['qwen3-omni-flash']!,
      botName: 'Omni',
      speaker: new GuildSpeaker(new EncodingOutput()),
      chat: { post: () => {} },
      log: createLogger('silent'),
      jitterMs: 100,
      now: () => now,
      policy: {
        listenMode: () => ({ mode: 'everyone' }),
        voiceFor: () => 'Cherry',
        persona: () => undefined,
        admit: () => undefined,
        confirmAdmission: async () => undefined,
        recordUsage: () => {},
        speculate: () => false,
        transcriptEnabled: () => false,
      },
    });
    const pieces = speechPieces()
      .filter((piece) => piece.durationMs <= 3_000)
      .map((piece) => ({ piece, packets: opusPackets(piece) }));
    const listeners = SPEAKERS.map((speakerId) => {
      const state = {
        ssrc: 1 + Math.floor(Math.random() * 2 ** 31),
        rtp: Math.floor(Math.random() * 2 ** 31),
        sequence: 0,
        listener: undefined as unknown as SpeakerListener,
      };
      state.listener = new SpeakerListener({
        detector: createSpeechDetector(DETECTOR_SETTINGS),
        onSpeechStart: () => session.onSpeechStart(speakerId),
        onUtterance: (samples) => session.onUtterance({ speakerId, speakerName: speakerId, samples, endedAtMs: now }),
      });
      return state;
    });
    const samples: Sample[] = [];
    const sample = (turn: number): void => {
      gc();
      const memory = process.memoryUsage();
      samples.push({
        turn,
        minute: now / 60_000,
        heapUsedMiB: memory.heapUsed / MiB,
        rssMiB: memory.rss / MiB,
        externalMiB: memory.external / MiB,
        arrayBuffersMiB: memory.arrayBuffers / MiB,
      });
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    let turn = 0;
    let unanswered = 0;
    sample(0);
    while (now < hourMs) {
      const speaker = listeners[turn % listeners.length]!;
      const { packets } = pieces[turn % pieces.length]!;
      const done = once(session, 'turnDone') as Promise<[TurnOutcome]>;
      for (const packet of packets) {
        now += 20;
        speaker.listener.onPacket(packet, { ssrc: speaker.ssrc, sequence: speaker.sequence, timestamp: speaker.rtp }, now);
        speaker.rtp = (speaker.rtp + 960) >>> 0;
        speaker.sequence = (speaker.sequence + 1) & 0xffff;
      }
      // Quiet: the idle ticks feed silence until the endpointer ends the turn (at most 2 s).
      const asked = session.state.status;
      for (let tick = 0; tick < 100 && session.state.status === asked; tick++) {
        now += 20;
        for (const other of listeners) other.listener.onIdle(now);
      }
      if (session.state.status === 'listening') unanswered++;
      else {
        const [outcome] = await done;
        if (outcome.error) unanswered++;
      }
      // The reply plays, then a pause; the speaker's clock keeps running (RTP jumps over the silence).
      const quietMs = REPLY_SECONDS * 1000 + PAUSE_MS;
      now += quietMs;
      speaker.rtp = (speaker.rtp + quietMs * 48) >>> 0;
      for (const other of listeners) other.listener.onIdle(now);
      turn++;
      if (turn % 10 === 0) sample(turn);
      if (turn % 100 === 0) log(`memory: ${turn} turns, ${(now / 60_000).toFixed(0)} simulated minutes`);
    }
    sample(turn);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    for (const { listener } of listeners) listener.destroy();
    session.destroy();

    // Warm-up: the first half hour. Besides the JIT and history filling to its cap of 40 entries, two one-off
    // fills take that long: V8's young generation (32 MiB) becoming resident page by page, and Node's buffer
    // of fetch timings (250 entries, one per request). Heap snapshots at turns 100/300/500 showed nothing else.
    const steady = samples.filter((s) => s.minute >= (WARM_UP_FRACTION * hourMs) / 60_000);
    const at = (fraction: number): Sample =>
      samples.reduce(
        (best, s) => (Math.abs(s.minute - (fraction * hourMs) / 60_000) < Math.abs(best.minute - (fraction * hourMs) / 60_000) ? s : best),
        samples[0]!,
      );
    const [start, middle, end] = [at(0.1), at(WARM_UP_FRACTION), at(1)];
    const heapPerTurn = slope(
      steady.map((s) => s.turn),
      steady.map((s) => s.heapUsedMiB * MiB),
    );
    const rssPerTurn = slope(
      steady.map((s) => s.turn),
      steady.map((s) => s.rssMiB * MiB),
    );
    const minutes = hourMs / 60_000;
    return {
      name: 'memory',
      title: `4. Memory over ${minutes} simulated minutes (${turn} turns, ${(wallMs / 1000).toFixed(0)} s of wall time: ${(hourMs / wallMs).toFixed(0)}x compressed)`,
      figures: [
        figure('memory.heap.start', `heap used, minute ${start.minute.toFixed(0)}`, start.heapUsedMiB, 'MiB'),
        figure('memory.heap.middle', `heap used after warm-up (minute ${middle.minute.toFixed(0)})`, middle.heapUsedMiB, 'MiB'),
        figure('memory.heap.end', `heap used, end (minute ${end.minute.toFixed(0)})`, end.heapUsedMiB, 'MiB'),
        figure('memory.rss.start', `RSS, minute ${start.minute.toFixed(0)}`, start.rssMiB, 'MiB'),
        figure('memory.rss.middle', 'RSS after warm-up', middle.rssMiB, 'MiB'),
        figure('memory.rss.end', 'RSS, end', end.rssMiB, 'MiB'),
        figure('memory.heap.perTurn', 'heap growth per turn after warm-up (least squares)', heapPerTurn, 'bytes', atMost(GOAL_BYTES_PER_TURN, 'bytes')),
        figure('memory.rss.perTurn', 'RSS growth per turn after warm-up (least squares)', rssPerTurn, 'bytes', atMost(16 * 1024, 'bytes')),
        figure('memory.unanswered', 'turns without an answer', unanswered, 'turns', atMost(0, 'turns')),
      ],
      notes: [
        `${SPEAKERS.length} speakers take turns with 0.7-3 s utterances; each turn gets a ${REPLY_SECONDS} s reply; the fake model runs in its own process. CPU ${((used.user + used.system) / 1000 / turn).toFixed(0)} ms per turn.`,
        'Flat means: after warm-up (the first half of the hour) the heap grows less than 1 KiB per turn and RSS less than 16 KiB per turn (allocator noise), by least squares over every sample.',
      ],
      detail: { replySeconds: REPLY_SECONDS, turns: turn, wallMs, cpuMsPerTurn: (used.user + used.system) / 1000 / turn, samples },
    };
  } finally {
    fake.kill('SIGTERM');
  }
};

/**
 * 1. Bot-added latency, end to end: the real bot (as `npm start` builds it) between the Discord simulator and
 * the fake model, all on loopback in this process, once with voice workers on (VOICE_WORKERS unset, the
 * default) and once off (VOICE_WORKERS=0). A simulated user speaks short utterances cut from the speech
 * fixtures; the fake answers every request after a fixed time to first byte with a short reply.
 *
 * (a) end of speech -> request sent. End of speech is when the packet carrying the last spoken audio (truth.json)
 *     leaves the user; the request is "sent" when the fake has read its whole body. Split into the silence
 *     window (SILENCE_MS, a setting) and everything else, and that again into endpointing (detection later than
 *     end of speech + silence window) and request (detection -> body received), where the detector can be timed
 *     (it runs on the main thread only with workers off).
 * (b) first audio byte from the model -> first Opus packet of the reply arriving at the simulator, minus the
 *     configured jitter buffer. Also given: the same from the moment the jitter buffer actually filled (the fake
 *     streams 80 ms chunks, so 100 ms of buffer fills with the second chunk, 80 ms after the first).
 * (c) the longest gap between packets inside a reply (a single guild: no other load than the bench's own).
 * (d) barge-in: a second person starts speaking while a long reply plays; their speech onset -> the reply's
 *     last packet arriving.
 */
import { createSpeechDetector, type DetectorSettings } from '../src/receive/detector.ts';
import type { SpeechDetector } from '../src/receive/SpeakerListener.ts';
import { startWorld } from '../test/scenarios/world.ts';
import type { RecordedRequest } from '../test/fakes/omni/server.ts';
import type { Utterance } from '../test/sim/botAudio.ts';
import { atMost, type Figure, paired, type Section } from './lib/figures.ts';
import { GAP_LIMIT_MS } from './lib/playback.ts';
import { median, p95, summary } from './lib/stats.ts';
import { opusPackets, speechPieces, type SpeechPiece } from '../test/support/speechPieces.ts';

/** Time to first byte the fake waits before answering: the Qwen3-Omni report's first-audio-packet latency. */
const FIRST_BYTE_MS = 234;
const SILENCE_MS = 700;
const JITTER_MS = 100;
const REPLY_SECONDS = 0.4;
/** The long reply a barge-in interrupts, and how much of it plays first (packets of 20 ms). */
const LONG_REPLY_SECONDS = 6;
const PLAYED_BEFORE_BARGE_IN = 25;
/** The model streams PCM16 at 24 kHz in chunks of this many bytes (the fake's default: 80 ms). */
const CHUNK_BYTES = 3840;
const FRAME_MS = 20;
const WARM_UP_TURNS = 3;
const SMOKE_WARM_UP_TURNS = 1;
const GOAL_REQUEST_MS = 30;
const GOAL_FIRST_PACKET_MS = 40;
const GOAL_BARGE_IN_MS = 200;

type Mode = 'on' | 'off';
const MODE_ENV: Record<Mode, Record<string, string>> = { on: {}, off: { VOICE_WORKERS: '0' } };

interface Piece {
  readonly piece: SpeechPiece;
  readonly packets: Buffer[];
}

interface ModeResult {
  readonly rows: Array<Record<string, number | string>>;
  readonly missed: Array<Record<string, number | string>>;
  readonly bargeIns: Array<{ piece: string; onsetToLastPacketMs: number; playedFrames: number }>;
  /** Whether the speech detector ran where this process could time it (the main thread). */
  readonly detectorTimed: boolean;
}

export const run: Section = async ({ smoke, log }) => {
  const turns = smoke ? 2 : 30;
  const bargeIns = smoke ? 1 : 6;
  const warmUp = smoke ? SMOKE_WARM_UP_TURNS : WARM_UP_TURNS;
  // The smoke run takes the shortest utterances, to keep it short.
  const pieces: Piece[] = speechPieces()
    .filter((piece) => piece.durationMs <= (smoke ? 1_500 : 3_000))
    .map((piece) => ({ piece, packets: opusPackets(piece) }));
  const off = await measureMode('off', { turns, warmUp, bargeIns, pieces, log });
  const on = await measureMode('on', { turns, warmUp, bargeIns, pieces, log });

  const column = (result: ModeResult, key: string): number[] => result.rows.map((row) => row[key] as number).filter((value) => Number.isFinite(value));
  const both = (key: string, stat: (values: number[]) => number): [number | null, number | null] => {
    const of = (result: ModeResult): number | null => (column(result, key).length > 0 ? stat(column(result, key)) : null);
    return [of(on), of(off)];
  };
  const untimed = on.detectorTimed ? undefined : 'timed with workers off only (the detector runs in a voice worker)';
  const bargeIn = (result: ModeResult, stat: (values: number[]) => number): number | null =>
    result.bargeIns.length > 0 ? stat(result.bargeIns.map((b) => b.onsetToLastPacketMs)) : null;
  const figures: Figure[] = [
    paired('latency.request.total.median', '(a) end of speech -> request sent, median', ...both('endOfSpeechToRequestMs', median), 'ms'),
    paired(
      'latency.request.overSilence.median',
      '(a) ... beyond the silence window, median',
      ...both('overSilenceMs', median),
      'ms',
      atMost(GOAL_REQUEST_MS, 'ms'),
    ),
    paired('latency.request.overSilence.p95', '(a) ... beyond the silence window, p95', ...both('overSilenceMs', p95), 'ms', atMost(GOAL_REQUEST_MS, 'ms')),
    paired(
      'latency.request.endpointing.median',
      '(a) of which endpointing (detected after silence window), median',
      ...both('endpointingOverMs', median),
      'ms',
      undefined,
      untimed,
    ),
    paired(
      'latency.request.detectionToRequest.median',
      '(a) of which detection -> request received, median',
      ...both('detectionToRequestMs', median),
      'ms',
      undefined,
      untimed,
    ),
    paired(
      'latency.firstPacket.overJitter.median',
      '(b) model first audio -> first Opus packet - jitter buffer, median',
      ...both('overJitterMs', median),
      'ms',
      atMost(GOAL_FIRST_PACKET_MS, 'ms'),
    ),
    paired(
      'latency.firstPacket.overJitter.p95',
      '(b) model first audio -> first Opus packet - jitter buffer, p95',
      ...both('overJitterMs', p95),
      'ms',
      atMost(GOAL_FIRST_PACKET_MS, 'ms'),
    ),
    paired('latency.firstPacket.afterFilled.median', '(b) jitter buffer filled -> first Opus packet, median', ...both('afterJitterFilledMs', median), 'ms'),
    paired('latency.firstPacket.afterFilled.p95', '(b) jitter buffer filled -> first Opus packet, p95', ...both('afterJitterFilledMs', p95), 'ms'),
    paired(
      'latency.reply.worstGap',
      '(c) one guild: longest gap between packets inside a reply',
      ...both('longestGapMs', (values) => Math.max(...values)),
      'ms',
      atMost(GAP_LIMIT_MS, 'ms'),
    ),
    paired(
      'latency.bargeIn.median',
      '(d) barge-in: speech onset -> the reply stops arriving, median',
      bargeIn(on, median),
      bargeIn(off, median),
      'ms',
      atMost(GOAL_BARGE_IN_MS, 'ms'),
    ),
    paired(
      'latency.bargeIn.max',
      '(d) barge-in: speech onset -> the reply stops arriving, worst',
      bargeIn(on, (v) => Math.max(...v)),
      bargeIn(off, (v) => Math.max(...v)),
      'ms',
      atMost(GOAL_BARGE_IN_MS, 'ms'),
    ),
    paired('latency.unanswered', 'turns not measured (no single request and reply)', on.missed.length, off.missed.length, 'turns', atMost(0, 'turns')),
  ];
  const summaries = (result: ModeResult) =>
    result.rows.length === 0
      ? {}
      : Object.fromEntries(
          Object.keys(result.rows[0]!)
            .filter((key) => key !== 'piece' && column(result, key).length > 0)
            .map((key) => [key, summary(column(result, key))]),
        );
  return {
    name: 'latency',
    title: `1. Bot-added latency, voice workers on (value) and off (${on.rows.length} + ${off.rows.length} turns, silence window ${SILENCE_MS} ms, jitter buffer ${JITTER_MS} ms, model first byte ${FIRST_BYTE_MS} ms)`,
    figures,
    notes: [
      `Per mode: ${turns} turns after ${warmUp} warm-up turns, ${pieces.length} utterances (${(Math.min(...pieces.map((p) => p.piece.durationMs)) / 1000).toFixed(1)}-${(Math.max(...pieces.map((p) => p.piece.durationMs)) / 1000).toFixed(1)} s) cut at pauses from the clean speech fixtures, then ${bargeIns} barge-ins; simulator, fake model and bot share one process. "workers off" is VOICE_WORKERS=0; the value is the default setting.`,
      'End of speech: departure of the packet carrying the last spoken sample (truth.json); request sent: the fake has read the whole request body.',
      `The fake streams reply audio in real time in ${(CHUNK_BYTES / 48).toFixed(0)} ms chunks, so a ${JITTER_MS} ms jitter buffer fills ${(Math.ceil((JITTER_MS * 48) / CHUNK_BYTES) - 1) * (CHUNK_BYTES / 48)} ms after the first byte: "(b) - jitter buffer" credits the bot with the difference; "jitter buffer filled -> first packet" does not.`,
      `Barge-in: while a ${LONG_REPLY_SECONDS} s reply plays (after ${PLAYED_BEFORE_BARGE_IN} of its packets arrived), a second person speaks; from their speech onset (first packet sent + the piece's onset, truth.json) to the arrival of the reply's last packet.`,
    ],
    detail: {
      silenceMs: SILENCE_MS,
      jitterMs: JITTER_MS,
      firstByteMs: FIRST_BYTE_MS,
      replySeconds: REPLY_SECONDS,
      chunkMs: CHUNK_BYTES / 48,
      on: { summaries: summaries(on), ...on },
      off: { summaries: summaries(off), ...off },
    },
  };
};

async function measureMode(
  mode: Mode,
  options: { turns: number; warmUp: number; bargeIns: number; pieces: readonly Piece[]; log: (line: string) => void },
): Promise<ModeResult> {
  const { turns, warmUp, bargeIns, pieces } = options;
  const log = (line: string): void => options.log(`latency [workers ${mode}]: ${line}`);
  const detections: number[] = [];
  const timedDetector = (settings: DetectorSettings): SpeechDetector => {
    const inner = createSpeechDetector(settings);
    return {
      push(samples) {
        const result = inner.push(samples);
        if (result.utterances.length > 0) detections.push(performance.now());
        return result;
      },
      idle(quietMs) {
        const ended = inner.idle(quietMs);
        if (ended) detections.push(performance.now());
        return ended;
      },
      quietNeededMs: () => inner.quietNeededMs(),
      quietMs: () => inner.quietMs(),
      current: () => inner.current(),
      flush: () => inner.flush(),
    };
  };
  const world = await startWorld({
    env: {
      SILENCE_MS: String(SILENCE_MS),
      // The bot's own latency after a turn ends; speculation (bench/turntaking.ts) moves the request before that.
      SPECULATION_MS: 'off',
      JITTER_BUFFER_MS: String(JITTER_MS),
      DAILY_TOKEN_CAP: '0',
      ...MODE_ENV[mode],
      ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    },
    // The timed detector only works where detection runs on this thread; with workers it would be ignored, and
    // giving one may make a test world pick the main-thread path.
    ...(mode === 'off' ? { createDetector: timedDetector } : {}),
  });
  try {
    const { sim, fake } = world;
    fake.setDefaultReply({ text: 'Okay.', audio: { toneHz: 440, seconds: REPLY_SECONDS }, firstByteDelayMs: FIRST_BYTE_MS });
    const alice = sim.user('alice');
    await alice.joinVoice('General');
    await sim.user('bob').joinVoice('General');
    await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 15_000 });
    const session = sim.voice.sessions.get(sim.guild().id)!;

    const rows: Array<Record<string, number | string>> = [];
    const missed: Array<Record<string, number | string>> = [];
    for (let turn = 0; turn < warmUp + turns; turn++) {
      const { piece, packets } = pieces[turn % pieces.length]!;
      const sentAt: number[] = [];
      const requestSeen = fake.nextRequest(piece.durationMs + 5_000);
      const replyHeard = sim.botAudio.nextUtterance(20_000);
      const detectionsBefore = detections.length;
      const requestsBefore = fake.requests.length;
      await session.sendUserAudio(alice.id, packets, { onFrameSent: (frame, at) => (sentAt[frame] = at) });
      let request: RecordedRequest;
      let reply: Utterance;
      try {
        request = await requestSeen;
        reply = await replyHeard;
      } catch (error) {
        // A turn the bot did not answer is counted, not fatal; wait for any late reply before going on.
        missed.push({ turn, piece: piece.name, requests: fake.requests.length - requestsBefore, error: String(error) });
        log(`turn ${turn} (${piece.name}) unanswered (${fake.requests.length - requestsBefore} requests): ${String(error)}`);
        await replyHeard.catch(() => {});
        continue;
      }
      const firstAudioAt = await request.firstAudioAt;
      if (firstAudioAt === undefined || fake.requests.length !== requestsBefore + 1) {
        missed.push({
          turn,
          piece: piece.name,
          requests: fake.requests.length - requestsBefore,
          error: firstAudioAt === undefined ? 'no audio from the fake' : 'not exactly one request (the utterance was split)',
        });
        continue;
      }
      // The packet carrying the last spoken sample: frame k holds [20k, 20k + 20) ms of the piece.
      const lastSpokenFrame = Math.ceil(piece.speechEndMs / FRAME_MS) - 1;
      const endOfSpeechAt = sentAt[lastSpokenFrame]!;
      // Timed only where the detector runs on this thread (one detection for this turn).
      const detectedAt = detections.length === detectionsBefore + 1 ? detections.at(-1)! : Number.NaN;
      // The jitter buffer fills with the chunk that brings its JITTER_MS of audio.
      const fillingChunk = Math.ceil((JITTER_MS * 48) / CHUNK_BYTES) - 1;
      const jitterFilledAt = request.audioChunksSentAt[fillingChunk] ?? firstAudioAt;
      if (turn < warmUp) continue;
      rows.push({
        piece: piece.name,
        endOfSpeechToRequestMs: request.bodyReceivedAt - endOfSpeechAt,
        overSilenceMs: request.bodyReceivedAt - endOfSpeechAt - SILENCE_MS,
        endpointingOverMs: detectedAt - endOfSpeechAt - SILENCE_MS,
        detectionToRequestMs: request.bodyReceivedAt - detectedAt,
        requestUploadMs: request.bodyReceivedAt - request.receivedAt,
        firstAudioToPacketMs: reply.startedAt - firstAudioAt,
        overJitterMs: reply.startedAt - firstAudioAt - JITTER_MS,
        afterJitterFilledMs: reply.startedAt - jitterFilledAt,
        longestGapMs: longestGapMs(reply),
      });
      if ((turn + 1 - warmUp) % 10 === 0) log(`${turn + 1 - warmUp}/${turns} turns`);
      // A short, varying pause before the next turn, so turns do not line up with the bot's 20 ms timers.
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 40));
    }

    const bargeInRows: ModeResult['bargeIns'] = [];
    const bob = sim.user('bob');
    for (let k = 0; k < bargeIns; k++) {
      const ask = pieces[k % pieces.length]!;
      const interrupt = pieces[(k + 7) % pieces.length]!;
      try {
        fake.script({
          text: 'A long answer that will not be heard to its end.',
          audio: { toneHz: 440, seconds: LONG_REPLY_SECONDS },
          firstByteDelayMs: FIRST_BYTE_MS,
        });
        const firstPacket = sim.botAudio.nextAudioPacket(20_000);
        await session.sendUserAudio(alice.id, ask.packets);
        await firstPacket;
        for (let played = 1; played < PLAYED_BEFORE_BARGE_IN; played++) await sim.botAudio.nextAudioPacket(5_000);
        const cutShort = sim.botAudio.nextUtterance(20_000);
        let startedAt = Number.NaN;
        const bobSaid = session.sendUserAudio(bob.id, interrupt.packets, { onFirstPacket: (at) => (startedAt = at) });
        const cut = await cutShort;
        bargeInRows.push({
          piece: interrupt.piece.name,
          onsetToLastPacketMs: cut.endedAt - (startedAt + interrupt.piece.speechStartMs),
          playedFrames: cut.packets.length,
        });
        await bobSaid;
        // Bob's own (short, default) answer.
        await sim.botAudio.nextUtterance(20_000);
      } catch (error) {
        missed.push({ bargeIn: k, piece: interrupt.piece.name, error: String(error) });
        log(`barge-in ${k} not measured: ${String(error)}`);
      }
    }
    return { rows, missed, bargeIns: bargeInRows, detectorTimed: rows.some((row) => Number.isFinite(row.endpointingOverMs)) };
  } finally {
    await world.close();
  }
}

/** The longest interval between consecutive packets of a reply (silence frames sent inside it count as packets). */
function longestGapMs(reply: Utterance): number {
  let longest = 0;
  for (let i = 1; i < reply.packets.length; i++) longest = Math.max(longest, reply.packets[i]!.at - reply.packets[i - 1]!.at);
  return longest;
}

/**
 * 1. Bot-added latency, end to end: the real bot (as `npm start` builds it) between the Discord simulator and
 * the fake model, all on loopback in this process. A simulated user speaks short utterances cut from the speech
 * fixtures; the fake answers every request after a fixed time to first byte with a short reply.
 *
 * (a) end of speech -> request sent. End of speech is when the packet carrying the last spoken audio (truth.json)
 *     leaves the user; the request is "sent" when the fake has read its whole body. Split into the silence
 *     window (SILENCE_MS, a setting) and everything else, and that again into endpointing (detection later than
 *     end of speech + silence window) and request (detection -> body received).
 * (b) first audio byte from the model -> first Opus packet of the reply arriving at the simulator, minus the
 *     configured jitter buffer. Also given: the same from the moment the jitter buffer actually filled (the fake
 *     streams 80 ms chunks, so 100 ms of buffer fills with the second chunk, 80 ms after the first).
 */
import { createSpeechDetector, type DetectorSettings } from '../src/receive/detector.ts';
import type { SpeechDetector } from '../src/receive/SpeakerListener.ts';
import { startWorld } from '../test/scenarios/world.ts';
import type { RecordedRequest } from '../test/fakes/omni/server.ts';
import type { Utterance } from '../test/sim/botAudio.ts';
import { atMost, figure, type Section } from './lib/figures.ts';
import { median, p95, summary } from './lib/stats.ts';
import { opusPackets, speechPieces } from '../test/support/speechPieces.ts';

/** Time to first byte the fake waits before answering: the Qwen3-Omni report's first-audio-packet latency. */
const FIRST_BYTE_MS = 234;
const SILENCE_MS = 700;
const JITTER_MS = 100;
const REPLY_SECONDS = 0.4;
/** The model streams PCM16 at 24 kHz in chunks of this many bytes (the fake's default: 80 ms). */
const CHUNK_BYTES = 3840;
const FRAME_MS = 20;
const WARM_UP_TURNS = 3;
const SMOKE_WARM_UP_TURNS = 1;
const GOAL_REQUEST_MS = 30;
const GOAL_FIRST_PACKET_MS = 40;

export const run: Section = async ({ smoke, log }) => {
  const turns = smoke ? 3 : 52;
  const warmUp = smoke ? SMOKE_WARM_UP_TURNS : WARM_UP_TURNS;
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
      ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    },
    createDetector: timedDetector,
  });
  try {
    const { sim, fake } = world;
    fake.setDefaultReply({ text: 'Okay.', audio: { toneHz: 440, seconds: REPLY_SECONDS }, firstByteDelayMs: FIRST_BYTE_MS });
    const alice = sim.user('alice');
    await alice.joinVoice('General');
    await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 15_000 });
    const session = sim.voice.sessions.get(sim.guild().id)!;

    const pieces = speechPieces()
      .filter((piece) => piece.durationMs <= 3_000)
      .map((piece) => ({ piece, packets: opusPackets(piece) }));
    const rows: Array<Record<string, number | string>> = [];
    const missed: Array<Record<string, number | string>> = [];
    for (let turn = 0; turn < warmUp + turns; turn++) {
      const { piece, packets } = pieces[turn % pieces.length]!;
      const sentAt: number[] = [];
      const requestSeen = fake.nextRequest(piece.durationMs + 5_000);
      const replyHeard = sim.botAudio.nextUtterance(20_000);
      const detectionsBefore = detections.length;
      await session.sendUserAudio(alice.id, packets, { onFrameSent: (frame, at) => (sentAt[frame] = at) });
      let request: RecordedRequest;
      let reply: Utterance;
      try {
        request = await requestSeen;
        reply = await replyHeard;
      } catch (error) {
        // A turn the bot did not answer is counted, not fatal; wait for any late reply before going on.
        missed.push({ turn, piece: piece.name, detections: detections.length - detectionsBefore, error: String(error) });
        log(`latency: turn ${turn} (${piece.name}) unanswered (${detections.length - detectionsBefore} utterances detected): ${String(error)}`);
        await replyHeard.catch(() => {});
        continue;
      }
      const firstAudioAt = await request.firstAudioAt;
      if (firstAudioAt === undefined || detections.length !== detectionsBefore + 1) {
        missed.push({
          turn,
          piece: piece.name,
          detections: detections.length - detectionsBefore,
          error: firstAudioAt === undefined ? 'no audio from the fake' : 'not exactly one utterance detected',
        });
        continue;
      }
      // The packet carrying the last spoken sample: frame k holds [20k, 20k + 20) ms of the piece.
      const lastSpokenFrame = Math.ceil(piece.speechEndMs / FRAME_MS) - 1;
      const endOfSpeechAt = sentAt[lastSpokenFrame]!;
      const detectedAt = detections.at(-1)!;
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
      });
      if ((turn + 1) % 10 === 0) log(`latency: ${turn + 1 - warmUp}/${turns} turns`);
      // A short, varying pause before the next turn, so turns do not line up with the bot's 20 ms timers.
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 40));
    }

    const column = (key: string): number[] => rows.map((row) => row[key] as number);
    const over = column('overSilenceMs');
    const overJitter = column('overJitterMs');
    const afterFilled = column('afterJitterFilledMs');
    const figures = [
      figure('latency.request.total.median', '(a) end of speech -> request sent, median', median(column('endOfSpeechToRequestMs')), 'ms'),
      figure('latency.request.overSilence.median', '(a) ... beyond the silence window, median', median(over), 'ms', atMost(GOAL_REQUEST_MS, 'ms')),
      figure('latency.request.overSilence.p95', '(a) ... beyond the silence window, p95', p95(over), 'ms', atMost(GOAL_REQUEST_MS, 'ms')),
      figure(
        'latency.request.endpointing.median',
        '(a) of which endpointing (detected after silence window), median',
        median(column('endpointingOverMs')),
        'ms',
      ),
      figure('latency.request.detectionToRequest.median', '(a) of which detection -> request received, median', median(column('detectionToRequestMs')), 'ms'),
      figure(
        'latency.firstPacket.overJitter.median',
        '(b) model first audio -> first Opus packet - jitter buffer, median',
        median(overJitter),
        'ms',
        atMost(GOAL_FIRST_PACKET_MS, 'ms'),
      ),
      figure(
        'latency.firstPacket.overJitter.p95',
        '(b) model first audio -> first Opus packet - jitter buffer, p95',
        p95(overJitter),
        'ms',
        atMost(GOAL_FIRST_PACKET_MS, 'ms'),
      ),
      figure('latency.firstPacket.afterFilled.median', '(b) jitter buffer filled -> first Opus packet, median', median(afterFilled), 'ms'),
      figure('latency.firstPacket.afterFilled.p95', '(b) jitter buffer filled -> first Opus packet, p95', p95(afterFilled), 'ms'),
      figure('latency.unanswered', 'turns not measured (no single request and reply)', missed.length, 'turns', atMost(0, 'turns')),
    ];
    const summaries =
      rows.length === 0
        ? {}
        : Object.fromEntries(
            Object.keys(rows[0]!)
              .filter((key) => key !== 'piece')
              .map((key) => [key, summary(column(key))]),
          );
    return {
      name: 'latency',
      title: `1. Bot-added latency (${rows.length} turns, silence window ${SILENCE_MS} ms, jitter buffer ${JITTER_MS} ms, model first byte ${FIRST_BYTE_MS} ms)`,
      figures,
      notes: [
        `${rows.length} turns after ${warmUp} warm-up turns, ${pieces.length} utterances (0.7-3 s) cut at pauses from the clean speech fixtures; simulator, fake model and bot share one process.`,
        'End of speech: departure of the packet carrying the last spoken sample (truth.json); request sent: the fake has read the whole request body.',
        `The fake streams reply audio in real time in ${(CHUNK_BYTES / 48).toFixed(0)} ms chunks, so a ${JITTER_MS} ms jitter buffer fills ${(Math.ceil((JITTER_MS * 48) / CHUNK_BYTES) - 1) * (CHUNK_BYTES / 48)} ms after the first byte: "(b) - jitter buffer" credits the bot with the difference; "jitter buffer filled -> first packet" does not.`,
      ],
      detail: {
        silenceMs: SILENCE_MS,
        jitterMs: JITTER_MS,
        firstByteMs: FIRST_BYTE_MS,
        replySeconds: REPLY_SECONDS,
        chunkMs: CHUNK_BYTES / 48,
        summaries,
        turns: rows,
        missed,
      },
    };
  } finally {
    await world.close();
  }
};

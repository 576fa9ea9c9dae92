/**
 * 6. Turn-taking: the silence window and speculative requests, off and on side by side in one run.
 *
 * (a) End of speech -> first reply packet, end to end: the real bot between the Discord simulator and the fake
 *     model with its first byte fixed at 800 ms, once with SPECULATION_MS=off and once with the default, each
 *     at the default SILENCE_MS. End of speech is the departure of the packet carrying the last spoken sample
 *     (truth.json); the reply's first packet is its arrival at the simulator.
 * (b) Split turns: every pause fixture with a pause up to 550 ms (stops, fricatives, vowels; silence, fan, pink,
 *     babble) through the product's detector at the default window, with and without tentative ends; a turn
 *     beyond one per fixture is a split.
 * (c) Waste: the clean speech fixtures through detector + tentative ends at the defaults: speculative requests
 *     dropped (the speaker went on, or the committed speech differs) per committed turn.
 * (d) Endpointing cost: CPU per second of speech of the detector, and of the detector with tentative ends.
 * The detail also holds the sweep of windows and thresholds the defaults were chosen from (README, Performance).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/config.ts';
import { createSpeechDetector } from '../src/receive/detector.ts';
import { TentativeEnd } from '../src/receive/TentativeEnd.ts';
import { sameSpeech } from '../src/session/Speculation.ts';
import { startWorld } from '../test/scenarios/world.ts';
import { cleanSpeechFixtures, fixtureSamples, opusPackets, SPEECH_DIR, speechPieces } from '../test/support/speechPieces.ts';
import { atLeast, atMost, figure, type Figure, type Section } from './lib/figures.ts';
import { median, summary } from './lib/stats.ts';

const FIRST_BYTE_MS = 800;
const REPLY_SECONDS = 0.4;
const FRAME_MS = 20;
const CHUNK = 320;
const SAMPLE_RATE = 16_000;
const GOAL_LATENCY_GAIN_MS = 300;
const GOAL_WASTE_PER_TURN = 0.3;
/** Today's endpointing cost (README, cost section) and the most the turn-taking work may add to it. */
const BASELINE_ENDPOINTING_MS = 1.3;
const MAX_PAUSE_MS = 550;
const SWEEP_WINDOWS = [700, 800, 900, 1000, 1200];
const SWEEP_THRESHOLDS = [250, 300, 350, 400, 450, 500];

const DEFAULTS = loadConfig({}, { discord: false, omni: false }).voice;

interface Truth {
  readonly kind: string;
  readonly splicedGapsMs: readonly number[];
}
const truth = (JSON.parse(readFileSync(new URL('truth.json', SPEECH_DIR), 'utf8')) as { fixtures: Record<string, Truth> }).fixtures;

/** Turns and dropped speculative requests for one recording (plus 2 s of quiet) at a window and threshold (0: off). */
function turnsOf(samples: Int16Array, silenceMs: number, speculationMs: number): { turns: number; dropped: number } {
  const input = new Int16Array(samples.length + 2 * SAMPLE_RATE);
  input.set(samples);
  const detector = createSpeechDetector({ silenceMs, maxUtteranceMs: 60_000 });
  let turns = 0;
  let dropped = 0;
  let announced: Int16Array | undefined;
  const tentative =
    speculationMs > 0
      ? new TentativeEnd(detector, speculationMs, {
          onTentativeEnd: (sofar) => (announced = sofar),
          onResumed: () => {
            dropped++;
            announced = undefined;
          },
        })
      : undefined;
  for (let offset = 0; offset < input.length; offset += CHUNK) {
    for (const utterance of detector.push(input.subarray(offset, offset + CHUNK)).utterances) {
      tentative?.ended();
      turns++;
      // The session sends again when the committed speech is not what the speculative request carried.
      if (announced && !sameSpeech(announced, utterance.samples)) dropped++;
      announced = undefined;
    }
    tentative?.check(0);
  }
  return { turns, dropped };
}

const pauseFixtures = (): string[] =>
  Object.entries(truth)
    .filter(([, t]) => t.kind === 'pause' && (t.splicedGapsMs[0] ?? 0) <= MAX_PAUSE_MS)
    .map(([name]) => name);

function splits(silenceMs: number, speculationMs: number): { splits: number; fixtures: number; split: string[] } {
  const split: string[] = [];
  let count = 0;
  const names = pauseFixtures();
  for (const name of names) {
    const extra = turnsOf(fixtureSamples(name), silenceMs, speculationMs).turns - 1;
    if (extra !== 0) split.push(name);
    count += Math.max(0, extra);
  }
  return { splits: count, fixtures: names.length, split };
}

function waste(silenceMs: number, speculationMs: number): { turns: number; dropped: number } {
  let turns = 0;
  let dropped = 0;
  for (const name of cleanSpeechFixtures()) {
    const result = turnsOf(fixtureSamples(name), silenceMs, speculationMs);
    turns += result.turns;
    dropped += result.dropped;
  }
  return { turns, dropped };
}

/** CPU ms per second of speech to run the clean speech fixtures through the detector (with tentative ends or not). */
function endpointingCost(withTentative: boolean, runs: number): number {
  const recordings = cleanSpeechFixtures().map(fixtureSamples);
  const seconds = recordings.reduce((sum, samples) => sum + samples.length / SAMPLE_RATE, 0);
  const results: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.cpuUsage();
    for (const samples of recordings) {
      const detector = createSpeechDetector(DEFAULTS);
      const tentative = withTentative ? new TentativeEnd(detector, DEFAULTS.speculationMs, { onTentativeEnd: () => {}, onResumed: () => {} }) : undefined;
      for (let offset = 0; offset < samples.length; offset += CHUNK) {
        detector.push(samples.subarray(offset, offset + CHUNK));
        tentative?.check(0);
      }
    }
    const used = process.cpuUsage(started);
    results.push((used.user + used.system) / 1000 / seconds);
  }
  return median(results);
}

/** End of speech -> first reply packet for `turns` utterances, through the simulator, with speculation `mode`. */
async function endToEnd(mode: 'off' | 'on', turns: number, log: (line: string) => void): Promise<number[]> {
  const world = await startWorld({
    env: {
      DAILY_TOKEN_CAP: '0',
      ...(mode === 'off' ? { SPECULATION_MS: 'off' } : {}),
      ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    },
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
    const delays: number[] = [];
    // One warm-up turn: the first reply of a process builds the player's pipeline.
    for (let turn = 0; turn <= turns; turn++) {
      const { piece, packets } = pieces[turn % pieces.length]!;
      const sentAt: number[] = [];
      const replyHeard = sim.botAudio.nextUtterance(20_000);
      await session.sendUserAudio(alice.id, packets, { onFrameSent: (frame, at) => (sentAt[frame] = at) });
      const reply = await replyHeard;
      const endOfSpeechAt = sentAt[Math.ceil(piece.speechEndMs / FRAME_MS) - 1]!;
      if (turn > 0) delays.push(reply.startedAt - endOfSpeechAt);
      if (turn > 0 && turn % 10 === 0) log(`turntaking: speculation ${mode}, ${turn}/${turns} turns`);
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 40));
    }
    return delays;
  } finally {
    await world.close();
  }
}

export const run: Section = async ({ smoke, log }) => {
  const turns = smoke ? 2 : 16;
  const { silenceMs, speculationMs } = DEFAULTS;
  const off = await endToEnd('off', turns, log);
  const on = await endToEnd('on', turns, log);
  const splitsOff = splits(silenceMs, 0);
  const splitsOn = splits(silenceMs, speculationMs);
  const wasted = waste(silenceMs, speculationMs);
  const runs = smoke ? 1 : 5;
  const costAlone = endpointingCost(false, runs);
  const costWithTentative = endpointingCost(true, runs);
  const sweep = smoke
    ? []
    : SWEEP_WINDOWS.flatMap((window) =>
        SWEEP_THRESHOLDS.filter((threshold) => threshold < window).map((threshold) => {
          const w = waste(window, threshold);
          return {
            silenceMs: window,
            speculationMs: threshold,
            splits: splits(window, threshold).splits,
            wastedPerTurn: Number((w.dropped / w.turns).toFixed(2)),
            // With a first byte slower than the gap between the thresholds, the reply waits for the model, not the window.
            modelledDelayMs: Math.max(window, threshold + FIRST_BYTE_MS),
          };
        }),
      );

  const figures: Figure[] = [
    figure('turntaking.latency.off.median', `(a) end of speech -> first reply packet, speculation off, median`, median(off), 'ms'),
    figure('turntaking.latency.on.median', `(a) ... speculation on (after ${speculationMs} ms), median`, median(on), 'ms'),
    figure('turntaking.latency.gain', '(a) ... lower with speculation on, by', median(off) - median(on), 'ms', atLeast(GOAL_LATENCY_GAIN_MS, 'ms')),
    figure('turntaking.splits.off', `(b) split turns, pause fixtures <= ${MAX_PAUSE_MS} ms, speculation off`, splitsOff.splits, 'turns', atMost(0, 'turns')),
    figure('turntaking.splits.on', '(b) ... speculation on', splitsOn.splits, 'turns', atMost(0, 'turns')),
    figure(
      'turntaking.wastePerTurn',
      '(c) speculative requests dropped per committed turn, speech fixtures',
      wasted.turns === 0 ? null : wasted.dropped / wasted.turns,
      'per turn',
      atMost(GOAL_WASTE_PER_TURN, 'per turn', `< ${GOAL_WASTE_PER_TURN}`),
    ),
    figure('turntaking.endpointing.cpu', '(d) endpointing CPU per second of speech (detector)', costAlone, 'ms'),
    figure(
      'turntaking.endpointing.cpuWithTentative',
      '(d) ... with tentative ends',
      costWithTentative,
      'ms',
      atMost(2 * BASELINE_ENDPOINTING_MS, 'ms', `<= ${2 * BASELINE_ENDPOINTING_MS} ms (2x ${BASELINE_ENDPOINTING_MS})`),
    ),
  ];
  return {
    name: 'turntaking',
    title: `6. Turn-taking (silence window ${silenceMs} ms, speculation after ${speculationMs} ms, model first byte ${FIRST_BYTE_MS} ms, ${turns} turns per mode)`,
    figures,
    notes: [
      `(a) the real bot between the simulator and the fake, one world per mode, ${turns} turns of 0.7-3 s utterances each after a warm-up turn; end of speech: departure of the packet carrying the last spoken sample.`,
      `(b) ${splitsOn.fixtures} pause fixtures (300/450/550 ms; stop, fricative, vowel endings; silence, fan, pink, babble); (c) ${wasted.turns} turns of the clean speech fixtures, ${wasted.dropped} dropped speculative requests.`,
      ...(sweep.length > 0 ? ['The sweep of windows and thresholds behind the defaults is in results.json (turntaking.detail.sweep).'] : []),
    ],
    detail: {
      firstByteMs: FIRST_BYTE_MS,
      silenceMs,
      speculationMs,
      latency: { off: summary(off), on: summary(on), offTurns: off, onTurns: on },
      splits: { off: splitsOff, on: splitsOn },
      waste: wasted,
      sweep,
    },
  };
};

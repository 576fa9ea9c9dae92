/**
 * Turns for benchmarks and tests: the clean speech fixtures cut at their natural pauses into short utterances,
 * each with the time its speech ends (from truth.json), as 48 kHz stereo and as the 20 ms Opus packets a
 * Discord client sends.
 */
import { readFileSync } from 'node:fs';
import { upmixToStereo } from '../../src/audio/channels.ts';
import { concatSamples } from '../../src/audio/pcm.ts';
import { Resampler } from '../../src/audio/resample.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { encodeOpusFrames } from '../sim/speech.ts';

export const SPEECH_DIR = new URL('../fixtures/speech/', import.meta.url);
const FIXTURE_RATE = 16_000;
/** A pause at least this long ends a piece; the cut falls in its middle (at most this far after the speech). */
const MIN_CUT_GAP_MS = 300;
const MAX_TAIL_MS = 300;
/** Silence kept before the first word of a piece. */
const LEAD_MS = 200;

interface Truth {
  readonly kind: string;
  readonly durationMs: number;
  readonly speechSegmentsMs: ReadonlyArray<readonly [number, number]>;
}

export interface SpeechPiece {
  /** `fixture@startMs`. */
  readonly name: string;
  /** 16 kHz mono, as in the fixture. */
  readonly samples16k: Int16Array;
  /** Where the speech starts and ends, from the piece's start (ms). */
  readonly speechStartMs: number;
  readonly speechEndMs: number;
  readonly durationMs: number;
}

export function truthFixtures(): Record<string, Truth> {
  return (JSON.parse(readFileSync(new URL('truth.json', SPEECH_DIR), 'utf8')) as { fixtures: Record<string, Truth> }).fixtures;
}

/** Clean recordings only (no added noise): their truth is exact. */
export function cleanSpeechFixtures(): string[] {
  return Object.entries(truthFixtures())
    .filter(([name, truth]) => truth.kind === 'speech' && !/_(pink|brown|white|hum)\d+$/.test(name))
    .map(([name]) => name);
}

export function fixtureSamples(name: string): Int16Array {
  return decodeWav(readFileSync(new URL(`${name}.wav`, SPEECH_DIR))).samples;
}

/** Every clean fixture cut into utterances that end at a pause of at least 300 ms (or the end of the file). */
export function speechPieces(): SpeechPiece[] {
  const fixtures = truthFixtures();
  const pieces: SpeechPiece[] = [];
  for (const name of cleanSpeechFixtures()) {
    const truth = fixtures[name]!;
    const samples = fixtureSamples(name);
    const segments = truth.speechSegmentsMs;
    let pieceStartMs: number | undefined;
    let firstSpeechMs: number | undefined;
    for (let i = 0; i < segments.length; i++) {
      const [startMs, endMs] = segments[i]!;
      pieceStartMs ??= Math.max(0, startMs - LEAD_MS);
      firstSpeechMs ??= startMs;
      const nextStart = segments[i + 1]?.[0] ?? truth.durationMs;
      const gap = nextStart - endMs;
      const last = i === segments.length - 1;
      if (!last && gap < MIN_CUT_GAP_MS) continue;
      const cutMs = endMs + Math.min(last ? gap : gap / 2, MAX_TAIL_MS);
      const from = Math.round((pieceStartMs * FIXTURE_RATE) / 1000);
      const to = Math.round((cutMs * FIXTURE_RATE) / 1000);
      pieces.push({
        name: `${name}@${pieceStartMs}`,
        samples16k: samples.slice(from, to),
        speechStartMs: firstSpeechMs! - pieceStartMs,
        speechEndMs: endMs - pieceStartMs,
        durationMs: cutMs - pieceStartMs,
      });
      pieceStartMs = undefined;
      firstSpeechMs = undefined;
    }
  }
  return pieces;
}

/** 16 kHz mono to 48 kHz interleaved stereo, as a Discord client would capture it. */
export function toDiscordPcm(samples16k: Int16Array): Int16Array {
  const resampler = new Resampler({ fromRate: FIXTURE_RATE, toRate: 48_000 });
  return upmixToStereo(concatSamples([resampler.process(samples16k), resampler.flush()]));
}

/** The Opus packets of a piece (20 ms each, the last zero-padded). */
export function opusPackets(piece: SpeechPiece): Buffer[] {
  return encodeOpusFrames(toDiscordPcm(piece.samples16k));
}

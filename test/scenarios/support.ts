/** Audio checks shared by the end-to-end scenarios. */
import { readFileSync } from 'node:fs';
import { decodeWav } from '../../src/audio/wav.ts';
import { channel } from '../audio/signal.ts';
import type { Utterance as BotUtterance } from '../sim/botAudio.ts';

export const SPEECH_DIR = new URL('../fixtures/speech/', import.meta.url);

interface Truth {
  readonly fixtures: Record<string, { readonly speechSegmentsMs: ReadonlyArray<readonly [number, number]>; readonly durationMs: number }>;
}
const truth = JSON.parse(readFileSync(new URL('truth.json', SPEECH_DIR), 'utf8')) as Truth;

/** A speech fixture: its path, 16 kHz samples, and the spoken part's length (first onset to last offset). */
export function speechFixture(name: string): { path: string; samples: Int16Array; spokenMs: number } {
  const path = new URL(`${name}.wav`, SPEECH_DIR).pathname;
  const segments = truth.fixtures[name]!.speechSegmentsMs;
  return { path, samples: decodeWav(readFileSync(path)).samples, spokenMs: segments.at(-1)![1] - segments[0]![0] };
}

/** The longest silence between consecutive audio packets (ms); Opus frames are 20 ms apart. */
export function longestPacketGapMs(utterance: BotUtterance): number {
  let longest = 0;
  for (let i = 1; i < utterance.packets.length; i++) longest = Math.max(longest, utterance.packets[i]!.at - utterance.packets[i - 1]!.at);
  return longest;
}

/** The left channel of the bot's 48 kHz stereo audio. */
export function leftChannel(utterance: BotUtterance): Int16Array {
  return channel(utterance.pcm, 2, 0);
}

/**
 * Correlation of received speech `a` with its source `b`: their speech onsets give the rough lag, and the
 * best Pearson correlation within ±20 ms of it is returned (cheap enough to run beside live audio).
 */
export function alignedCorrelation(a: Int16Array, b: Int16Array, sampleRate = 16_000): { correlation: number; lag: number } {
  const roughLag = Math.round(((speechExtentMs(b, sampleRate)[0] - speechExtentMs(a, sampleRate)[0]) / 1000) * sampleRate);
  const window = Math.round(sampleRate * 0.02);
  let best = { correlation: -1, lag: 0 };
  for (let lag = roughLag - window; lag <= roughLag + window; lag++) {
    let sumAB = 0;
    let sumAA = 0;
    let sumBB = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      const x = a[i]!;
      const y = b[j]!;
      sumAB += x * y;
      sumAA += x * x;
      sumBB += y * y;
    }
    const correlation = sumAB / Math.sqrt(sumAA * sumBB || 1);
    if (correlation > best.correlation) best = { correlation, lag };
  }
  return best;
}

/** Non-silent extent of 16 kHz speech as [startMs, endMs], by 10 ms RMS over -45 dBFS. */
export function speechExtentMs(samples: Int16Array, sampleRate = 16_000): [number, number] {
  const window = sampleRate / 100;
  const threshold = 32768 * 10 ** (-45 / 20);
  let first = -1;
  let last = -1;
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += samples[i]! * samples[i]!;
    if (Math.sqrt(sum / window) >= threshold) {
      if (first < 0) first = start;
      last = start + window;
    }
  }
  return [(first / sampleRate) * 1000, (last / sampleRate) * 1000];
}

// Pins createModelToDiscord: the model's 24 kHz mono speech becomes 48 kHz interleaved stereo with both channels equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModelToDiscord, DISCORD_CHANNELS, DISCORD_SAMPLE_RATE } from '../../src/audio/pipelines.ts';
import {
  channel,
  concat,
  crossCorrelationLag,
  dominantFrequency,
  firstMismatch,
  longestGapMs,
  maxStep,
  rmsDb,
  segment,
  sine,
  sineMaxStep,
  speechLike,
} from './signal.ts';

const MODEL_RATE = 24_000;

function convert(mono: Int16Array, chunkSize: number): Int16Array {
  const converter = createModelToDiscord();
  const out: Int16Array[] = [];
  for (let offset = 0; offset < mono.length; offset += chunkSize) out.push(converter.push(mono.subarray(offset, offset + chunkSize)));
  out.push(converter.flush());
  return concat(out);
}

test('a 1 kHz tone in 20 ms chunks becomes 48 kHz stereo at the same pitch and level, continuous', () => {
  const tone = sine({ frequency: 1000, sampleRate: MODEL_RATE, seconds: 1, amplitude: 0.6 });
  const stereo = convert(tone, 480);
  assert.equal(DISCORD_CHANNELS, 2);
  assert.equal(stereo.length, DISCORD_SAMPLE_RATE * 2);
  const left = channel(stereo, 2, 0);
  assert.equal(firstMismatch(channel(stereo, 2, 1), left), -1);
  const steady = segment(left, DISCORD_SAMPLE_RATE, 0.01, 0.95);
  assert.ok(Math.abs(dominantFrequency(steady, DISCORD_SAMPLE_RATE) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDb(steady) - rmsDb(tone)) < 0.1);
  assert.equal(longestGapMs(steady, DISCORD_SAMPLE_RATE), 0);
  assert.ok(maxStep(steady) <= sineMaxStep(1000, DISCORD_SAMPLE_RATE, 0.6) * 1.01 + 2);
});

test('speech in uneven chunks lines up with the same speech made at 48 kHz', () => {
  const speech = speechLike({ sampleRate: MODEL_RATE, seconds: 2, amplitude: 0.7 });
  const left = channel(convert(speech, 1234), 2, 0);
  const reference = speechLike({ sampleRate: DISCORD_SAMPLE_RATE, seconds: 2, amplitude: 0.7 });
  assert.equal(crossCorrelationLag(reference, left, 200), 0);
  assert.ok(Math.abs(rmsDb(left) - rmsDb(reference)) < 0.5);
});

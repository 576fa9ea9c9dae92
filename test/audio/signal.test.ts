// Pins the shared audio measurement helpers (level, tone level, pitch, lag, clicks, gaps) against signals with known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  concat,
  crossCorrelationLag,
  dominantFrequency,
  longestGapMs,
  maxStep,
  noise,
  rmsDb,
  sine,
  sineMaxStep,
  speechLike,
  sweep,
  toneLevelDb,
  zeroCrossingFrequency,
} from './signal.ts';

const sampleRate = 48_000;

test('rmsDb: a half-scale sine is -9.03 dBFS, silence is -Infinity', () => {
  assert.ok(Math.abs(rmsDb(sine({ frequency: 1000, sampleRate, seconds: 1, amplitude: 0.5 })) - -9.03) < 0.01);
  assert.equal(rmsDb(new Int16Array(100)), -Infinity);
});

test("toneLevelDb reads a tone's amplitude and ignores a louder tone elsewhere", () => {
  const quiet = sine({ frequency: 3000, sampleRate, seconds: 1, amplitude: 0.01 });
  const loud = sine({ frequency: 500, sampleRate, seconds: 1, amplitude: 0.9 });
  const mixed = Int16Array.from(quiet, (sample, i) => sample + loud[i]!);
  assert.ok(Math.abs(toneLevelDb(mixed, sampleRate, 3000) - -40) < 0.2);
  assert.ok(Math.abs(toneLevelDb(mixed, sampleRate, 500) - 20 * Math.log10(0.9)) < 0.05);
  assert.ok(toneLevelDb(mixed, sampleRate, 9000) < -100);
});

test('dominantFrequency and zeroCrossingFrequency find an off-bin tone to within 0.1 Hz', () => {
  const tone = sine({ frequency: 1234.5, sampleRate, seconds: 0.5, amplitude: 0.3 });
  assert.ok(Math.abs(dominantFrequency(tone, sampleRate) - 1234.5) < 0.1);
  assert.ok(Math.abs(zeroCrossingFrequency(tone, sampleRate) - 1234.5) < 0.1);
});

test('dominantFrequency follows the loudest component of a mixture', () => {
  const a = sine({ frequency: 220, sampleRate, seconds: 0.5, amplitude: 0.2 });
  const b = sine({ frequency: 3100, sampleRate, seconds: 0.5, amplitude: 0.4 });
  assert.ok(
    Math.abs(
      dominantFrequency(
        Int16Array.from(a, (x, i) => x + b[i]!),
        sampleRate,
      ) - 3100,
    ) < 0.5,
  );
});

test('crossCorrelationLag finds a known delay of noise, with its sign', () => {
  const reference = noise({ sampleRate, seconds: 0.2, seed: 5 });
  const late = concat([new Int16Array(37), reference]);
  assert.equal(crossCorrelationLag(reference, late, 50), 37);
  assert.equal(crossCorrelationLag(late, reference, 50), -37);
});

test('maxStep exposes a click that a sine cannot make', () => {
  const tone = sine({ frequency: 440, sampleRate, seconds: 0.1, amplitude: 0.5 });
  const limit = sineMaxStep(440, sampleRate, 0.5);
  assert.ok(maxStep(tone) <= limit + 1);
  const clicked = tone.slice();
  clicked[1000] = clicked[1000]! + 8000;
  assert.ok(maxStep(clicked) > limit * 2);
});

test('longestGapMs measures a dropout and reports 0 for continuous audio', () => {
  const tone = sine({ frequency: 440, sampleRate, seconds: 0.5, amplitude: 0.5 });
  assert.equal(longestGapMs(tone, sampleRate), 0);
  const withGap = concat([tone, new Int16Array(0.2 * sampleRate), tone]);
  assert.ok(Math.abs(longestGapMs(withGap, sampleRate) - 200) <= 10);
});

test('sweep covers its range; speechLike has speech pitch, pauses and little energy above 4 kHz', () => {
  const chirp = sweep({ from: 100, to: 10_000, sampleRate, seconds: 1 });
  assert.ok(Math.abs(zeroCrossingFrequency(chirp.subarray(0, 4800), sampleRate) - 126) < 10, 'starts low');
  assert.ok(Math.abs(zeroCrossingFrequency(chirp.subarray(43_200), sampleRate) - 8014) < 100, 'ends high (mean of the last 0.1 s)');
  const speech = speechLike({ sampleRate, seconds: 2, amplitude: 0.5 });
  const pitch = dominantFrequency(speech, sampleRate);
  assert.ok(pitch > 100 && pitch < 1500, `dominant ${pitch.toFixed(0)} Hz`);
  assert.ok(longestGapMs(speech, sampleRate) >= 200, 'a pause between phrases');
  assert.ok(toneLevelDb(speech, sampleRate, 6000) < rmsDb(speech) - 60);
});

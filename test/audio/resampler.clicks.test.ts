// Pins click-free output at chunk boundaries: a resampled sine never steps further between samples than the sine itself can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxStep, random, segment, sine, sineMaxStep } from './signal.ts';
import { resampleInChunks } from './resamplerHarness.ts';

const next = random(3);
const sizes = Array.from({ length: 50 }, () => 1 + Math.floor(next() * 700));

for (const [fromRate, toRate, frequency] of [
  [48_000, 16_000, 1000],
  [24_000, 48_000, 1000],
  [44_100, 16_000, 3000],
] as const) {
  test(`${fromRate} -> ${toRate} Hz: a ${frequency} Hz sine in random chunks has no clicks`, () => {
    const amplitude = 0.8;
    const input = sine({ frequency, sampleRate: fromRate, seconds: 1, amplitude });
    // Skip the first 10 ms: the band-limited onset of a sine switched on from silence legitimately overshoots its slope.
    const output = segment(resampleInChunks(input, fromRate, toRate, sizes), toRate, 0.01, 0.95);
    const allowed = sineMaxStep(frequency, toRate, amplitude) * 1.01 + 2;
    const step = maxStep(output);
    assert.ok(step <= allowed, `step of ${step} > ${allowed.toFixed(0)}`);
    assert.ok(step > allowed * 0.9, 'the sine actually reaches its full slope');
  });
}

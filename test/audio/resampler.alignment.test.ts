// Pins zero group delay: resampled output lines up with the same signal generated at the output rate (lag 0, > 50 dB SNR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossCorrelationLag, rmsDb, segment } from './signal.ts';
import { RATIOS, resampleInChunks } from './resamplerHarness.ts';

/** Three tones inside every passband, as a function of time so it can be sampled at any rate. */
function multiTone(sampleRate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    out[i] = Math.round(9000 * Math.sin(2 * Math.PI * 313 * t) + 7000 * Math.sin(2 * Math.PI * 1187 * t + 1) + 5000 * Math.sin(2 * Math.PI * 2903 * t + 2));
  }
  return out;
}

for (const [fromRate, toRate] of RATIOS) {
  test(`${fromRate} -> ${toRate} Hz: output is aligned with the input in time`, () => {
    const output = resampleInChunks(multiTone(fromRate, 1), fromRate, toRate, [1024]);
    const reference = multiTone(toRate, 1);
    const lag = crossCorrelationLag(segment(reference, toRate, 0.1, 0.9), segment(output, toRate, 0.1, 0.9), 40);
    assert.ok(Math.abs(lag) <= 1, `lag ${lag} samples`);
    // Sub-sample alignment: the difference from the reference is tiny.
    const a = segment(output, toRate, 0.1, 0.9);
    const b = segment(reference, toRate, 0.1, 0.9);
    const error = Int16Array.from(a, (sample, i) => sample - b[i]!);
    const snr = rmsDb(b) - rmsDb(error);
    assert.ok(snr > 50, `only ${snr.toFixed(1)} dB SNR against the ideal signal`);
  });
}

// Pins anti-aliasing when downsampling: 48 -> 16 kHz puts a 10 kHz tone >= 60 dB below a passband tone, and all of 0.55..0.95 × Nyquist-of-input >= 75 dB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmsDb, segment, sine } from './signal.ts';
import { resampleInChunks } from './resamplerHarness.ts';

/** Steady-state output level (dBFS) of a 0.9-amplitude tone pushed through the resampler. */
function outputLevelDb(frequency: number, fromRate: number, toRate: number): number {
  const input = sine({ frequency, sampleRate: fromRate, seconds: 0.5, amplitude: 0.9, phase: 0.3 });
  return rmsDb(segment(resampleInChunks(input, fromRate, toRate, [960]), toRate, 0.05, 0.45));
}

test('48 -> 16 kHz: a 10 kHz tone (would alias to 6 kHz) comes out at least 60 dB down', () => {
  const passband = outputLevelDb(1000, 48_000, 16_000);
  const aliased = outputLevelDb(10_000, 48_000, 16_000);
  assert.ok(passband - aliased >= 60, `only ${(passband - aliased).toFixed(1)} dB down`);
});

for (const [fromRate, toRate] of [
  [48_000, 16_000],
  [44_100, 16_000],
  [96_000, 16_000],
] as const) {
  test(`${fromRate} -> ${toRate} Hz: every tone from 0.55 × the output rate up is at least 75 dB down`, () => {
    const passband = outputLevelDb(1000, fromRate, toRate);
    for (let frequency = 0.55 * toRate; frequency < fromRate / 2; frequency += 0.05 * toRate) {
      const rejection = passband - outputLevelDb(frequency, fromRate, toRate);
      assert.ok(rejection >= 75, `${frequency} Hz only ${rejection.toFixed(1)} dB down`);
    }
  });
}

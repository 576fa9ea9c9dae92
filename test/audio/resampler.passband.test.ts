// Pins that the resampler keeps a tone's frequency and level: 1 kHz and 0.4 × the lower rate within 0.5 dB at every ratio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dominantFrequency, rmsDb, segment, sine } from './signal.ts';
import { RATIOS, resampleInChunks } from './resamplerHarness.ts';

for (const [fromRate, toRate] of RATIOS) {
  for (const frequency of [1000, 0.4 * Math.min(fromRate, toRate)]) {
    test(`${fromRate} -> ${toRate} Hz: a ${frequency} Hz tone keeps its pitch and level`, () => {
      const input = sine({ frequency, sampleRate: fromRate, seconds: 1, amplitude: 0.7 });
      const output = resampleInChunks(input, fromRate, toRate, [960]);
      // Steady state only: skip the filter's run-in and run-out.
      const steadyIn = segment(input, fromRate, 0.1, 0.9);
      const steadyOut = segment(output, toRate, 0.1, 0.9);
      const measured = dominantFrequency(steadyOut, toRate);
      assert.ok(Math.abs(measured - frequency) < frequency * 1e-3, `pitch ${measured.toFixed(2)} Hz`);
      const gainDb = rmsDb(steadyOut) - rmsDb(steadyIn);
      assert.ok(Math.abs(gainDb) < 0.5, `level changed by ${gainDb.toFixed(3)} dB`);
    });
  }
}

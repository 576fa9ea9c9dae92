// Pins the resampler's output length: round(inputs × toRate / fromRate) within one sample after flush, also on reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canResampleExactly, Resampler } from '../../src/audio/resample.ts';
import { firstMismatch, noise } from './signal.ts';
import { RATIOS, resampleInChunks } from './resamplerHarness.ts';

for (const [fromRate, toRate] of RATIOS) {
  test(`${fromRate} -> ${toRate} Hz: output length matches the ratio`, () => {
    for (const length of [0, 1, 2, 3, 7, 100, 959, 960, 4411, 48_001]) {
      const input = noise({ sampleRate: fromRate, seconds: length / fromRate, seed: length });
      const output = resampleInChunks(input, fromRate, toRate, [333]);
      const expected = Math.round((length * toRate) / fromRate);
      assert.ok(Math.abs(output.length - expected) <= 1, `${length} in -> ${output.length} out, expected ${expected}`);
    }
  });
}

test('after flush the resampler starts a fresh stream with identical results', () => {
  const input = noise({ sampleRate: 44_100, seconds: 0.1, seed: 9 });
  const resampler = new Resampler({ fromRate: 44_100, toRate: 16_000 });
  const first = [resampler.process(input), resampler.flush()];
  const second = [resampler.process(input), resampler.flush()];
  assert.equal(firstMismatch(second[0]!, first[0]!), -1);
  assert.equal(firstMismatch(second[1]!, first[1]!), -1);
  assert.ok(first[0]!.length + first[1]!.length > 0);
});

test('rejects rates that are not positive integers', () => {
  assert.throws(() => new Resampler({ fromRate: 0, toRate: 16_000 }), RangeError);
  assert.throws(() => new Resampler({ fromRate: 44_100.5, toRate: 16_000 }), RangeError);
});

test('refuses ratios whose table would be huge, and says which rates can be converted exactly', () => {
  assert.equal(canResampleExactly(44_100, 16_000), true);
  assert.equal(canResampleExactly(352_800, 16_000), true);
  assert.equal(canResampleExactly(11_127, 16_000), false);
  assert.throws(() => new Resampler({ fromRate: 11_127, toRate: 16_000 }), RangeError);
});

// Pins that Resampler output is bit-identical however the input stream is chunked (1, 7, 960, random sizes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, firstMismatch, noise, random, sweep } from './signal.ts';
import { RATIOS, resampleInChunks } from './resamplerHarness.ts';

const next = random(42);
const randomSizes = Array.from({ length: 64 }, () => 1 + Math.floor(next() * 3000));

for (const [fromRate, toRate] of RATIOS) {
  test(`${fromRate} -> ${toRate} Hz: chunk sizes do not change a single output sample`, () => {
    const input = concat([
      sweep({ from: 50, to: fromRate / 2, sampleRate: fromRate, seconds: 0.3, amplitude: 0.9 }),
      noise({ sampleRate: fromRate, seconds: 0.2, amplitude: 0.5, seed: 7 }),
    ]);
    const whole = resampleInChunks(input, fromRate, toRate);
    assert.ok(whole.length > 0);
    for (const sizes of [[1], [7], [960], [0, 13, 4096], randomSizes]) {
      const chunked = resampleInChunks(input, fromRate, toRate, sizes);
      assert.equal(firstMismatch(chunked, whole), -1, `chunk sizes ${sizes.slice(0, 4).join(', ')}…`);
    }
  });
}

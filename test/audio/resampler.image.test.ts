// Pins anti-imaging when upsampling: 24 -> 48 kHz leaves the 19 kHz image of a 5 kHz tone at least 60 dB below the tone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segment, sine, toneLevelDb } from './signal.ts';
import { resampleInChunks } from './resamplerHarness.ts';

test('24 -> 48 kHz: the image of a 5 kHz tone at 19 kHz is at least 60 dB down', () => {
  const input = sine({ frequency: 5000, sampleRate: 24_000, seconds: 1, amplitude: 0.9 });
  const output = segment(resampleInChunks(input, 24_000, 48_000, [480]), 48_000, 0.1, 0.9);
  const tone = toneLevelDb(output, 48_000, 5000);
  const image = toneLevelDb(output, 48_000, 19_000);
  assert.ok(Math.abs(tone - 20 * Math.log10(0.9)) < 0.1, `tone at ${tone.toFixed(2)} dBFS`);
  assert.ok(tone - image >= 60, `image only ${(tone - image).toFixed(1)} dB down`);
});

test('16 -> 24 kHz: the image of a 3 kHz tone at 13 kHz is at least 60 dB down', () => {
  const input = sine({ frequency: 3000, sampleRate: 16_000, seconds: 1, amplitude: 0.9 });
  const output = segment(resampleInChunks(input, 16_000, 24_000, [320]), 24_000, 0.1, 0.9);
  // 24 kHz output folds the 13 kHz image to 11 kHz.
  const rejection = toneLevelDb(output, 24_000, 3000) - toneLevelDb(output, 24_000, 11_000);
  assert.ok(rejection >= 60, `image only ${rejection.toFixed(1)} dB down`);
});

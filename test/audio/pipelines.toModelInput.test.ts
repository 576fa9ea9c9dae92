// Pins toModelInput: any decoded WAV (rate, 1..8 channels) becomes 16 kHz mono at the same pitch, level and duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_INPUT_SAMPLE_RATE, toModelInput } from '../../src/audio/pipelines.ts';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { dominantFrequency, firstMismatch, interleave, rmsDb, segment, sine } from './signal.ts';

for (const [sampleRate, channels] of [
  [44_100, 2],
  [8000, 1],
  [96_000, 6],
  [22_050, 8],
  [48_000, 2],
] as const) {
  test(`${sampleRate} Hz, ${channels} channel(s): 16 kHz mono with the tone intact`, () => {
    const tone = sine({ frequency: 523, sampleRate, seconds: 0.8, amplitude: 0.5 });
    const wav = decodeWav(encodeWav(interleave(...Array.from({ length: channels }, () => tone)), sampleRate, channels));
    const mono = toModelInput(wav);
    assert.ok(Math.abs(mono.length - 0.8 * MODEL_INPUT_SAMPLE_RATE) <= 1, `${mono.length} samples`);
    const steady = segment(mono, MODEL_INPUT_SAMPLE_RATE, 0.05, 0.75);
    assert.ok(Math.abs(dominantFrequency(steady, MODEL_INPUT_SAMPLE_RATE) - 523) < 0.5);
    assert.ok(Math.abs(rmsDb(steady) - rmsDb(tone)) < 0.1);
  });
}

test('16 kHz mono passes through unchanged', () => {
  const tone = sine({ frequency: 200, sampleRate: MODEL_INPUT_SAMPLE_RATE, seconds: 0.3 });
  assert.equal(firstMismatch(toModelInput({ sampleRate: MODEL_INPUT_SAMPLE_RATE, channels: 1, samples: tone }), tone), -1);
});

test('an awkward rate (11127 Hz, ratio 16000/11127) is read as 11150 Hz: pitch within 0.3 %', () => {
  const tone = sine({ frequency: 1000, sampleRate: 11_127, seconds: 0.8, amplitude: 0.5 });
  const mono = toModelInput({ sampleRate: 11_127, channels: 1, samples: tone });
  const steady = segment(mono, MODEL_INPUT_SAMPLE_RATE, 0.05, 0.75);
  const pitch = dominantFrequency(steady, MODEL_INPUT_SAMPLE_RATE);
  assert.ok(Math.abs(pitch - 1000) < 3, `pitch ${pitch.toFixed(1)} Hz`);
  assert.ok(Math.abs(rmsDb(steady) - rmsDb(tone)) < 0.1);
});

// Pins createDiscordToModel: 48 kHz stereo Discord PCM in 20 ms (or ragged) chunks becomes continuous, aligned 16 kHz mono.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiscordToModel, MODEL_INPUT_SAMPLE_RATE } from '../../src/audio/pipelines.ts';
import {
  concat,
  crossCorrelationLag,
  dominantFrequency,
  firstMismatch,
  interleave,
  longestGapMs,
  maxStep,
  rmsDb,
  segment,
  sine,
  sineMaxStep,
  speechLike,
} from './signal.ts';

const DISCORD_RATE = 48_000;
const FRAME = 1920; // 20 ms of interleaved stereo

function convert(stereo: Int16Array, chunkSizes: readonly number[]): Int16Array {
  const converter = createDiscordToModel();
  const out: Int16Array[] = [];
  for (let offset = 0, i = 0; offset < stereo.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    out.push(converter.push(stereo.subarray(offset, offset + size)));
    offset += size;
  }
  out.push(converter.flush());
  return concat(out);
}

test('a 440 Hz stereo tone in 20 ms frames comes out as 16 kHz mono at the same pitch and level, without gaps or clicks', () => {
  const tone = sine({ frequency: 440, sampleRate: DISCORD_RATE, seconds: 1, amplitude: 0.5 });
  const mono = convert(interleave(tone, tone), [FRAME]);
  assert.equal(mono.length, MODEL_INPUT_SAMPLE_RATE);
  const steady = segment(mono, MODEL_INPUT_SAMPLE_RATE, 0.01, 0.95);
  assert.ok(Math.abs(dominantFrequency(steady, MODEL_INPUT_SAMPLE_RATE) - 440) < 0.5);
  assert.ok(Math.abs(rmsDb(steady) - rmsDb(tone)) < 0.1);
  assert.equal(longestGapMs(steady, MODEL_INPUT_SAMPLE_RATE), 0);
  assert.ok(maxStep(steady) <= sineMaxStep(440, MODEL_INPUT_SAMPLE_RATE, 0.5) * 1.01 + 2);
});

test('chunks that split a stereo frame give the same output as whole frames', () => {
  const left = speechLike({ sampleRate: DISCORD_RATE, seconds: 1, amplitude: 0.7 });
  const right = sine({ frequency: 300, sampleRate: DISCORD_RATE, seconds: 1, amplitude: 0.2 });
  const stereo = interleave(left, right);
  assert.equal(firstMismatch(convert(stereo, [1, 1919, 3, 961, 2000]), convert(stereo, [FRAME])), -1);
});

test('speech keeps its timing: the 16 kHz output lines up with the same speech made at 16 kHz', () => {
  const speech = speechLike({ sampleRate: DISCORD_RATE, seconds: 2, amplitude: 0.7 });
  const mono = convert(interleave(speech, speech), [FRAME]);
  const reference = speechLike({ sampleRate: MODEL_INPUT_SAMPLE_RATE, seconds: 2, amplitude: 0.7 });
  assert.equal(crossCorrelationLag(reference, mono, 80), 0);
  assert.ok(Math.abs(rmsDb(mono) - rmsDb(reference)) < 0.5);
});

test('flush resets: a second utterance converts exactly like the first', () => {
  const converter = createDiscordToModel();
  const tone = interleave(...Array.from({ length: 2 }, () => sine({ frequency: 1000, sampleRate: DISCORD_RATE, seconds: 0.1 })));
  const first = concat([converter.push(tone.subarray(0, 1001)), converter.flush()]);
  const second = concat([converter.push(tone), converter.flush()]);
  assert.equal(firstMismatch(second, convert(tone, [tone.length])), -1);
  assert.ok(Math.abs(first.length - 1001 / 2 / 3) <= 1);
});

// Pins downmix (average, no overflow at full scale, opposite phases cancel) and upmix (left = right) of interleaved Int16.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downmixStereo, downmixToMono, upmixToStereo } from '../../src/audio/channels.ts';
import { channel, dominantFrequency, firstMismatch, interleave, rmsDb, sine, toneLevelDb } from './signal.ts';

const sampleRate = 48_000;

test('stereo downmix averages the channels: two tones each keep half their level', () => {
  const left = sine({ frequency: 440, sampleRate, seconds: 0.5, amplitude: 0.8 });
  const right = sine({ frequency: 1000, sampleRate, seconds: 0.5, amplitude: 0.8 });
  const mono = downmixStereo(interleave(left, right));
  assert.equal(mono.length, left.length);
  assert.ok(Math.abs(toneLevelDb(mono, sampleRate, 440) - 20 * Math.log10(0.4)) < 0.05);
  assert.ok(Math.abs(toneLevelDb(mono, sampleRate, 1000) - 20 * Math.log10(0.4)) < 0.05);
});

test('stereo downmix of full-scale identical channels does not wrap around', () => {
  const mono = downmixStereo(Int16Array.from([32767, 32767, -32768, -32768, 32767, -32768]));
  assert.deepEqual(mono, Int16Array.from([32767, -32768, -1]));
});

test('opposite-phase channels cancel to silence', () => {
  const left = sine({ frequency: 440, sampleRate, seconds: 0.2, amplitude: 0.5 });
  const right = Int16Array.from(left, (sample) => -sample);
  assert.ok(rmsDb(downmixStereo(interleave(left, right))) < -90);
});

test('downmixToMono averages any channel count and copies mono', () => {
  const tone = sine({ frequency: 700, sampleRate: 44_100, seconds: 0.3, amplitude: 0.6 });
  const silent = new Int16Array(tone.length);
  const sixChannels = interleave(tone, tone, tone, silent, silent, silent);
  const mono = downmixToMono(sixChannels, 6);
  assert.equal(mono.length, tone.length);
  assert.ok(Math.abs(dominantFrequency(mono, 44_100) - 700) < 0.5);
  assert.ok(Math.abs(rmsDb(mono) - (rmsDb(tone) - 6.02)) < 0.05, 'half the channels carry the tone: -6 dB');
  const copy = downmixToMono(tone, 1);
  assert.equal(firstMismatch(copy, tone), -1);
  assert.notEqual(copy.buffer, tone.buffer);
  assert.throws(() => downmixToMono(tone, 0), RangeError);
});

test('upmix puts the same signal on both channels', () => {
  const mono = sine({ frequency: 523, sampleRate, seconds: 0.2, amplitude: 0.5 });
  const stereo = upmixToStereo(mono);
  assert.equal(stereo.length, mono.length * 2);
  assert.equal(firstMismatch(channel(stereo, 2, 0), mono), -1);
  assert.equal(firstMismatch(channel(stereo, 2, 1), mono), -1);
});

// Pins int16FromBytes / bytesFromInt16: s16le at any byteOffset, odd lengths, and copies rather than views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesFromInt16, int16FromBytes } from '../../src/audio/pcm.ts';
import { dominantFrequency, firstMismatch, sine } from './signal.ts';

const tone = sine({ frequency: 440, sampleRate: 48_000, seconds: 0.1, amplitude: 0.9 });

test('reads s16le from a Buffer that is not 2-byte aligned', () => {
  const backing = Buffer.alloc(tone.length * 2 + 1);
  for (const [i, sample] of tone.entries()) backing.writeInt16LE(sample, 1 + i * 2);
  const unaligned = backing.subarray(1);
  assert.equal(unaligned.byteOffset % 2, 1);
  const samples = int16FromBytes(unaligned);
  assert.equal(firstMismatch(samples, tone), -1);
  assert.ok(Math.abs(dominantFrequency(samples, 48_000) - 440) < 1);
});

test('ignores a trailing odd byte', () => {
  const bytes = Buffer.from([0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x42]);
  assert.deepEqual(int16FromBytes(bytes), Int16Array.from([1, 32767, -32768]));
  assert.equal(int16FromBytes(Buffer.from([0x42])).length, 0);
});

test('bytesFromInt16 writes s16le into a copy', () => {
  const samples = tone.slice();
  const bytes = bytesFromInt16(samples);
  assert.equal(bytes.length, samples.length * 2);
  for (let i = 0; i < samples.length; i += 97) assert.equal(bytes.readInt16LE(i * 2), samples[i]);
  samples[0] = 1234;
  assert.notEqual(bytes.readInt16LE(0), 1234, 'not a view of the samples');
  assert.equal(firstMismatch(int16FromBytes(bytes), tone), -1);
});

test('int16FromBytes returns a copy, not a view of the Buffer', () => {
  const bytes = bytesFromInt16(tone);
  const samples = int16FromBytes(bytes);
  bytes.writeInt16LE(4321, 0);
  assert.equal(samples[0], tone[0]);
});

// Pins encodeWav's PCM16 header fields and that decodeWav reads its output back sample-exact, at any byteOffset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { channel, dominantFrequency, firstMismatch, interleave, sine } from './signal.ts';

const sampleRate = 44_100;
const left = sine({ frequency: 440, sampleRate, seconds: 0.5, amplitude: 0.8 });
const right = sine({ frequency: 660, sampleRate, seconds: 0.5, amplitude: 0.3 });
const stereo = interleave(left, right);

test('encodeWav writes a 44-byte PCM16 header with consistent sizes', () => {
  const wav = encodeWav(stereo, sampleRate, 2);
  const dataBytes = stereo.length * 2;
  assert.equal(wav.length, 44 + dataBytes);
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  assert.equal(wav.readUInt32LE(4), 36 + dataBytes);
  assert.equal(wav.toString('ascii', 8, 16), 'WAVEfmt ');
  assert.equal(wav.readUInt32LE(16), 16);
  assert.equal(wav.readUInt16LE(20), 1, 'PCM');
  assert.equal(wav.readUInt16LE(22), 2, 'channels');
  assert.equal(wav.readUInt32LE(24), sampleRate);
  assert.equal(wav.readUInt32LE(28), sampleRate * 4, 'byte rate');
  assert.equal(wav.readUInt16LE(32), 4, 'block align');
  assert.equal(wav.readUInt16LE(34), 16, 'bits per sample');
  assert.equal(wav.toString('ascii', 36, 40), 'data');
  assert.equal(wav.readUInt32LE(40), dataBytes);
  assert.equal(wav.readInt16LE(44 + 2 * 1000), stereo[1000], 'samples are little-endian and interleaved');
});

test('decodeWav reads encodeWav output back exactly, with each channel at its own pitch', () => {
  const decoded = decodeWav(encodeWav(stereo, sampleRate, 2));
  assert.equal(decoded.sampleRate, sampleRate);
  assert.equal(decoded.channels, 2);
  assert.equal(firstMismatch(decoded.samples, stereo), -1);
  assert.ok(Math.abs(dominantFrequency(channel(decoded.samples, 2, 0), sampleRate) - 440) < 0.5);
  assert.ok(Math.abs(dominantFrequency(channel(decoded.samples, 2, 1), sampleRate) - 660) < 0.5);
});

test('decodeWav reads a file that starts at an odd byteOffset', () => {
  const wav = encodeWav(left, sampleRate, 1);
  const backing = Buffer.alloc(wav.length + 1);
  wav.copy(backing, 1);
  assert.equal(firstMismatch(decodeWav(backing.subarray(1)).samples, left), -1);
});

test('encodeWav refuses samples that are not whole frames', () => {
  assert.throws(() => encodeWav(new Int16Array(3), 16_000, 2), RangeError);
});

// Pins that decodeWav reads 8/16/24/32-bit PCM and 32/64-bit float, plain and WAVE_FORMAT_EXTENSIBLE, skipping extra chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav } from '../../src/audio/wav.ts';
import { channel, dominantFrequency, interleave, sine, toneLevelDb } from './signal.ts';
import { chunk, encodeSamples, fmtBody, riffWave } from './wavBuilder.ts';

const sampleRate = 22_050;
const left = sine({ frequency: 1000, sampleRate, seconds: 0.25, amplitude: 0.5 });
const right = sine({ frequency: 1500, sampleRate, seconds: 0.25, amplitude: 0.25 });
const stereo = interleave(left, right);

const depths = [
  { kind: 'u8', format: 1, bits: 8, tolerance: 256 },
  { kind: 's16', format: 1, bits: 16, tolerance: 0 },
  { kind: 's24', format: 1, bits: 24, tolerance: 0 },
  { kind: 's32', format: 1, bits: 32, tolerance: 0 },
  { kind: 'f32', format: 3, bits: 32, tolerance: 0 },
  { kind: 'f64', format: 3, bits: 64, tolerance: 0 },
] as const;

function assertSameAudio(decoded: ReturnType<typeof decodeWav>, tolerance: number): void {
  assert.equal(decoded.sampleRate, sampleRate);
  assert.equal(decoded.channels, 2);
  assert.equal(decoded.samples.length, stereo.length);
  let worst = 0;
  for (let i = 0; i < stereo.length; i++) worst = Math.max(worst, Math.abs(decoded.samples[i]! - stereo[i]!));
  assert.ok(worst <= tolerance, `max sample error ${worst} > ${tolerance}`);
  const l = channel(decoded.samples, 2, 0);
  const r = channel(decoded.samples, 2, 1);
  assert.ok(Math.abs(dominantFrequency(l, sampleRate) - 1000) < 1);
  assert.ok(Math.abs(dominantFrequency(r, sampleRate) - 1500) < 1);
  assert.ok(Math.abs(toneLevelDb(l, sampleRate, 1000) - -6.02) < 0.1);
  assert.ok(Math.abs(toneLevelDb(r, sampleRate, 1500) - -12.04) < 0.1);
}

for (const { kind, format, bits, tolerance } of depths) {
  test(`reads ${bits}-bit ${format === 3 ? 'float' : 'PCM'} (format ${format})`, () => {
    const wav = riffWave([chunk('fmt ', fmtBody({ format, channels: 2, sampleRate, bitsPerSample: bits })), chunk('data', encodeSamples(stereo, kind))]);
    assertSameAudio(decodeWav(wav), tolerance);
  });

  test(`reads ${bits}-bit ${format === 3 ? 'float' : 'PCM'} as WAVE_FORMAT_EXTENSIBLE`, () => {
    const fmt = fmtBody({ format: 0xfffe, subFormat: format, channels: 2, sampleRate, bitsPerSample: bits });
    assertSameAudio(decodeWav(riffWave([chunk('fmt ', fmt), chunk('data', encodeSamples(stereo, kind))])), tolerance);
  });
}

test('skips LIST, fact and odd-sized chunks (with their pad byte) around fmt and data', () => {
  const info = Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00', 'latin1'); // 17 bytes: odd, so padded
  const wav = riffWave([
    chunk('JUNK', Buffer.alloc(3)),
    chunk('fmt ', fmtBody({ format: 1, channels: 2, sampleRate, bitsPerSample: 16 })),
    chunk('LIST', info),
    chunk('fact', Buffer.from([0, 1, 0, 0])),
    chunk('data', encodeSamples(stereo, 's16')),
    chunk('id3 ', Buffer.alloc(9)),
  ]);
  assertSameAudio(decodeWav(wav), 0);
});

test('reads a data chunk that comes before the fmt chunk', () => {
  const wav = riffWave([chunk('data', encodeSamples(stereo, 's16')), chunk('fmt ', fmtBody({ format: 1, channels: 2, sampleRate, bitsPerSample: 16 }))]);
  assertSameAudio(decodeWav(wav), 0);
});

test('treats a data size of 0xFFFFFFFF (streaming writer) as "to the end of the file"', () => {
  const wav = riffWave([
    chunk('fmt ', fmtBody({ format: 1, channels: 2, sampleRate, bitsPerSample: 16 })),
    chunk('data', encodeSamples(stereo, 's16'), 0xffffffff),
  ]);
  wav.writeUInt32LE(0xffffffff, 4);
  assertSameAudio(decodeWav(wav), 0);
});

test('drops a trailing partial frame', () => {
  const data = Buffer.concat([Buffer.from(encodeSamples(stereo, 's16')), Buffer.from([1, 2, 3])]);
  const wav = riffWave([chunk('fmt ', fmtBody({ format: 1, channels: 2, sampleRate, bitsPerSample: 16 })), chunk('data', data)]);
  assertSameAudio(decodeWav(wav), 0);
});

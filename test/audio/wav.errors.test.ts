// Pins that decodeWav rejects unreadable files with a WavFormatError whose message is one readable sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav, WavFormatError } from '../../src/audio/wav.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { sine } from './signal.ts';
import { chunk, encodeSamples, fmtBody, riffWave } from './wavBuilder.ts';

const samples = sine({ frequency: 440, sampleRate: 16_000, seconds: 0.1 });
const pcmFmt = fmtBody({ format: 1, channels: 1, sampleRate: 16_000, bitsPerSample: 16 });
const data = encodeSamples(samples, 's16');

function assertWavError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeWav(bytes),
    (error: unknown) => {
      assert.ok(error instanceof WavFormatError, 'a WavFormatError');
      assert.ok(error instanceof InvalidInputError, 'shown to people as invalid input');
      assert.match(error.message, pattern);
      assert.equal(error.userMessage, error.message);
      assert.match(error.message, /^[A-Z].*\.$/, 'one sentence');
      return true;
    },
  );
}

test('rejects bytes that are not RIFF/WAVE', () => {
  assertWavError(Buffer.from('ID3\x04 this is an mp3 file, honest'), /not a WAV file \(no RIFF header\)/);
  assertWavError(Buffer.from('RIFF'), /too short/);
  assertWavError(riffWave([chunk('fmt ', pcmFmt)], 'RIFF', 'AVI '), /not a WAV file \(no WAVE type\)/);
  assertWavError(riffWave([chunk('fmt ', pcmFmt)], 'RF64'), /RF64/);
});

test('rejects a file without fmt or without data', () => {
  assertWavError(riffWave([chunk('data', data)]), /no format chunk/);
  assertWavError(riffWave([chunk('fmt ', pcmFmt), chunk('LIST', Buffer.alloc(4))]), /no audio data chunk/);
});

test('rejects compressed codecs by name', () => {
  const adpcm = fmtBody({ format: 0x0002, channels: 1, sampleRate: 16_000, bitsPerSample: 4 });
  const muLaw = fmtBody({ format: 0x0007, channels: 1, sampleRate: 8000, bitsPerSample: 8 });
  const unknown = fmtBody({ format: 0x1234, channels: 1, sampleRate: 8000, bitsPerSample: 8 });
  assertWavError(riffWave([chunk('fmt ', adpcm), chunk('data', data)]), /Microsoft ADPCM/);
  assertWavError(riffWave([chunk('fmt ', muLaw), chunk('data', data)]), /mu-law/);
  assertWavError(riffWave([chunk('fmt ', unknown), chunk('data', data)]), /codec 0x1234/);
  const extensibleMuLaw = fmtBody({ format: 0xfffe, subFormat: 0x0007, channels: 1, sampleRate: 8000, bitsPerSample: 8 });
  assertWavError(riffWave([chunk('fmt ', extensibleMuLaw), chunk('data', data)]), /mu-law/);
});

test('rejects unsupported sample widths', () => {
  const float16 = fmtBody({ format: 3, channels: 1, sampleRate: 16_000, bitsPerSample: 16 });
  const pcm48 = fmtBody({ format: 1, channels: 1, sampleRate: 16_000, bitsPerSample: 48 });
  assertWavError(riffWave([chunk('fmt ', float16), chunk('data', data)]), /16-bit float/);
  assertWavError(riffWave([chunk('fmt ', pcm48), chunk('data', data)]), /48-bit integer/);
});

test('rejects zero channels and a zero sample rate', () => {
  assertWavError(riffWave([chunk('fmt ', fmtBody({ format: 1, channels: 0, sampleRate: 16_000, bitsPerSample: 16 })), chunk('data', data)]), /0 channels/);
  assertWavError(riffWave([chunk('fmt ', fmtBody({ format: 1, channels: 1, sampleRate: 0, bitsPerSample: 16 })), chunk('data', data)]), /sample rate is 0 Hz/);
});

test('rejects a data chunk cut short, saying how much is missing', () => {
  const wav = riffWave([chunk('fmt ', pcmFmt), chunk('data', data.subarray(0, 1200), 96_000)]);
  assertWavError(wav, /^The WAV file is truncated: its data chunk says 96000 bytes but only 1200 are there\.$/);
});

test('rejects a file cut inside its fmt chunk', () => {
  assertWavError(riffWave([chunk('fmt ', pcmFmt.subarray(0, 10), 16)]), /truncated inside its format chunk/);
});

test('rejects sample rates no recorder uses', () => {
  assertWavError(
    riffWave([chunk('fmt ', fmtBody({ format: 1, channels: 1, sampleRate: 4_000_000, bitsPerSample: 16 })), chunk('data', data)]),
    /4000000 Hz is outside the 1000-384000 Hz/,
  );
  assertWavError(riffWave([chunk('fmt ', fmtBody({ format: 1, channels: 1, sampleRate: 500, bitsPerSample: 16 })), chunk('data', data)]), /500 Hz is outside/);
});

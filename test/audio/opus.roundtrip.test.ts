// Pins Opus encode/decode at 48 kHz stereo 20 ms: a 1 s 440 Hz tone survives with exact duration, pitch within 1 % and level within 1 dB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { OPUS_CHANNELS, OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusDecoder, OpusEncoder, opusBackend } from '../../src/audio/opus.ts';
import { channel, concat, dominantFrequency, interleave, longestGapMs, rmsDb, segment, sine } from './signal.ts';

const FRAME = OPUS_FRAME_SAMPLES * OPUS_CHANNELS;

/** Encodes then decodes `stereo` frame by frame, returning every decoded frame. */
function roundTrip(stereo: Int16Array): Int16Array[] {
  const encoder = new OpusEncoder();
  const decoder = new OpusDecoder();
  try {
    const frames: Int16Array[] = [];
    for (let offset = 0; offset < stereo.length; offset += FRAME) {
      const packet = encoder.encode(stereo.subarray(offset, offset + FRAME));
      assert.ok(packet.length > 0 && packet.length < 1000, `packet of ${packet.length} bytes`);
      frames.push(decoder.decode(packet));
    }
    return frames;
  } finally {
    encoder.destroy();
    decoder.destroy();
  }
}

test('reports the loaded backend: opusscript unless @discordjs/opus is installed', () => {
  let nativeInstalled = true;
  try {
    createRequire(import.meta.url).resolve('@discordjs/opus');
  } catch {
    nativeInstalled = false;
  }
  assert.equal(opusBackend(), nativeInstalled ? '@discordjs/opus' : 'opusscript');
});

test('a 1 s 440 Hz tone keeps duration, pitch and level through Opus', () => {
  const left = sine({ frequency: 440, sampleRate: OPUS_SAMPLE_RATE, seconds: 1, amplitude: 0.5 });
  const right = sine({ frequency: 440, sampleRate: OPUS_SAMPLE_RATE, seconds: 1, amplitude: 0.5, phase: 0.5 });
  const frames = roundTrip(interleave(left, right));
  assert.equal(frames.length, 50);
  for (const frame of frames) assert.equal(frame.length, FRAME, 'every 20 ms packet decodes to 960 stereo samples');
  const decoded = concat(frames);
  assert.equal(decoded.length / OPUS_CHANNELS, 48_000);
  for (const [index, original] of [
    [0, left],
    [1, right],
  ] as const) {
    // Skip the codec's startup (look-ahead and pre-roll) before comparing.
    const steady = segment(channel(decoded, 2, index), OPUS_SAMPLE_RATE, 0.1, 1);
    const pitch = dominantFrequency(steady, OPUS_SAMPLE_RATE);
    assert.ok(Math.abs(pitch - 440) < 4.4, `pitch ${pitch.toFixed(1)} Hz`);
    const levelChange = rmsDb(steady) - rmsDb(segment(original, OPUS_SAMPLE_RATE, 0.1, 1));
    assert.ok(Math.abs(levelChange) < 1, `level changed by ${levelChange.toFixed(2)} dB`);
    assert.equal(longestGapMs(steady, OPUS_SAMPLE_RATE), 0);
  }
});

test('encode rejects a frame that is not a valid Opus duration', () => {
  const encoder = new OpusEncoder();
  assert.throws(() => encoder.encode(new Int16Array(1000)), RangeError);
  assert.ok(encoder.encode(new Int16Array(480 * 2)).length > 0, '10 ms frames are valid');
  encoder.destroy();
});

test('replies are encoded at complexity 7, as libopus reports it (a quarter less encode time than its default 9)', () => {
  const encoder = new OpusEncoder();
  try {
    assert.equal(encoder.complexity, 7);
  } finally {
    encoder.destroy();
  }
});

// Pins that a corrupt Opus packet throws OpusDecodeError and leaves the decoder usable; destroy() is final and idempotent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpusDecodeError, OpusDecoder, OpusEncoder } from '../../src/audio/opus.ts';
import { channel, concat, dominantFrequency, firstMismatch, interleave, sine } from './signal.ts';

const tone = sine({ frequency: 600, sampleRate: 48_000, seconds: 0.4, amplitude: 0.5 });
const stereo = interleave(tone, tone);

function packets(): Buffer[] {
  const encoder = new OpusEncoder();
  const out: Buffer[] = [];
  for (let offset = 0; offset < stereo.length; offset += 1920) out.push(encoder.encode(stereo.subarray(offset, offset + 1920)));
  encoder.destroy();
  return out;
}

test('bad packets throw OpusDecodeError and the decoder keeps decoding the good ones', () => {
  const decoder = new OpusDecoder();
  const good = packets();
  const decoded: Int16Array[] = [];
  // Code 3 with a frame count of 0 is invalid by RFC 6716; also empty and oversized packets.
  const bad = [Buffer.from([0x03, 0x00]), Buffer.alloc(0), Buffer.alloc(5000, 0x55)];
  for (const [i, packet] of good.entries()) {
    if (i === 5) {
      for (const corrupt of bad) assert.throws(() => decoder.decode(corrupt), OpusDecodeError);
    }
    decoded.push(decoder.decode(packet));
  }
  const left = channel(concat(decoded), 2, 0);
  assert.equal(left.length, tone.length);
  const pitch = dominantFrequency(left.subarray(4800), 48_000);
  assert.ok(Math.abs(pitch - 600) < 6, `pitch ${pitch.toFixed(1)} Hz after the bad packets`);
  decoder.destroy();
});

test('a Uint8Array packet at an odd offset decodes like a Buffer', () => {
  const [first] = packets();
  const backing = new Uint8Array(first!.length + 1);
  backing.set(first!, 1);
  const a = new OpusDecoder();
  const b = new OpusDecoder();
  assert.equal(firstMismatch(a.decode(backing.subarray(1)), b.decode(first!)), -1);
  a.destroy();
  b.destroy();
});

test('destroy frees the decoder once; using it afterwards is an error, not a crash', () => {
  const decoder = new OpusDecoder();
  decoder.destroy();
  decoder.destroy();
  assert.throws(() => decoder.decode(Buffer.from([0xf8, 0xff, 0xfe])), /destroyed/);
});

/** Six 20 ms frames of the tone packed in one code-3 packet (RFC 6716 §3.2.5): 120 ms, the longest allowed. */
function packet120ms(): Buffer {
  const frames = packets().slice(0, 6);
  const toc = (frames[0]![0]! & 0xfc) | 3;
  const bodies = frames.map((frame) => frame.subarray(1));
  // VBR: the count byte has the v bit set, then the sizes of all frames but the last (each under 252 bytes here).
  return Buffer.concat([Buffer.from([toc, 0x80 | 6, ...bodies.slice(0, 5).map((body) => body.length)]), ...bodies]);
}

test('a 120 ms packet decodes whole without writing past the buffer into the next codec', () => {
  const reference = new OpusDecoder();
  const expected = packets().map((packet) => reference.decode(packet));
  reference.destroy();
  const first = new OpusDecoder();
  const neighbour = new OpusDecoder(); // allocated right after `first`, so an overflow would land in its state
  const long = first.decode(packet120ms());
  assert.equal(long.length, 5760 * 2);
  const decoded = packets().map((packet) => neighbour.decode(packet));
  assert.equal(firstMismatch(concat(decoded), concat(expected)), -1, "the neighbouring decoder's state is intact");
  first.destroy();
  neighbour.destroy();
});

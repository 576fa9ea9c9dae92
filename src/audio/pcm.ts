/** Conversions between s16le bytes and Int16Array that never depend on the bytes' alignment. */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies s16le bytes into a new Int16Array. Works for Buffers at any byteOffset (pooled Buffers are
 * often not 2-byte aligned, so a view would throw). A trailing odd byte is ignored.
 */
export function int16FromBytes(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.length >> 1);
  if (LITTLE_ENDIAN) {
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  }
  return samples;
}

/** Copies samples into a new Buffer of s16le bytes (not a view, so later writes to either side do not leak). */
export function bytesFromInt16(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.copyBytesFrom(samples);
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
  return bytes;
}

/** Joins sample chunks in order into one new array. */
export function concatSamples(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

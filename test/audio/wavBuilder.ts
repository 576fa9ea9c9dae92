/** Builds WAV files byte by byte for decoder tests: any format code, bit depth, extra chunks. */

/** One RIFF chunk; odd-sized bodies get their pad byte automatically. */
export interface Chunk {
  readonly id: string;
  readonly body: Uint8Array;
  /** Size to write in the header instead of the body length (for truncated or streaming files). */
  readonly declaredSize?: number;
}

export function chunk(id: string, body: Uint8Array, declaredSize?: number): Chunk {
  return declaredSize === undefined ? { id, body } : { id, body, declaredSize };
}

/** The 16-byte fmt body, or the 40-byte WAVE_FORMAT_EXTENSIBLE one when `subFormat` is given. */
export function fmtBody(options: {
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly subFormat?: number;
}): Uint8Array {
  const { format, channels, sampleRate, bitsPerSample, subFormat } = options;
  const extensible = subFormat !== undefined;
  const body = Buffer.alloc(extensible ? 40 : 16);
  const blockAlign = channels * Math.ceil(bitsPerSample / 8);
  body.writeUInt16LE(format, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE(sampleRate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(bitsPerSample, 14);
  if (extensible) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(bitsPerSample, 18);
    body.writeUInt32LE(channels === 2 ? 3 : 4, 20);
    body.writeUInt16LE(subFormat, 24);
    Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(body, 26);
  }
  return body;
}

/** Encodes Int16 samples at another depth: 8-bit unsigned, 16/24/32-bit int, 32/64-bit float. */
export function encodeSamples(samples: Int16Array, kind: 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64'): Uint8Array {
  const width = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 }[kind];
  const out = Buffer.alloc(samples.length * width);
  samples.forEach((s, i) => {
    const at = i * width;
    if (kind === 'u8') out.writeUInt8((s >> 8) + 128, at);
    else if (kind === 's16') out.writeInt16LE(s, at);
    else if (kind === 's24') out.writeIntLE(s * 256, at, 3);
    else if (kind === 's32') out.writeInt32LE(s * 65536, at);
    else if (kind === 'f32') out.writeFloatLE(s / 32768, at);
    else out.writeDoubleLE(s / 32768, at);
  });
  return out;
}

/** A RIFF/WAVE file made of these chunks, in order. */
export function riffWave(chunks: readonly Chunk[], riffId = 'RIFF', formType = 'WAVE'): Buffer {
  const parts: Buffer[] = [];
  for (const { id, body, declaredSize } of chunks) {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'ascii');
    header.writeUInt32LE(declaredSize ?? body.length, 4);
    parts.push(header, Buffer.from(body));
    if (body.length % 2 === 1 && declaredSize === undefined) parts.push(Buffer.alloc(1));
  }
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write(riffId, 0, 'ascii');
  head.writeUInt32LE(4 + payload.length, 4);
  head.write(formType, 8, 'ascii');
  return Buffer.concat([head, payload]);
}

/**
 * The TLS presentation language as MLS uses it (RFC 9420 section 2.1): big-endian integers and vectors
 * whose length is a QUIC-style variable-size header (`<V>`: 1, 2 or 4 bytes, the top two bits giving
 * the size). Just enough to build and read the few MLS structures the DAVE delivery service touches.
 */

/** The `<V>` length header, in its shortest form (MLS rejects longer ones). */
export function varint(length: number): Buffer {
  if (length < 0x40) return Buffer.from([length]);
  if (length < 0x4000) return Buffer.from([0x40 | (length >> 8), length & 0xff]);
  if (length < 0x4000_0000) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((0x8000_0000 | length) >>> 0);
    return out;
  }
  throw new RangeError(`MLS vectors cannot hold ${length} bytes`);
}

/** `opaque x<V>`: the length header, then the bytes. */
export function vector(...parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([varint(body.length), body]);
}

export function u8(value: number): Buffer {
  return Buffer.from([value]);
}

export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

export function u64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(value);
  return out;
}

/** A cursor over serialised bytes; every read throws on truncation instead of returning garbage. */
export class Reader {
  readonly bytes: Buffer;
  offset: number;

  constructor(bytes: Buffer, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    this.need(8);
    const value = this.bytes.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A `<V>` length header. */
  varint(): number {
    const first = this.u8();
    const size = first >> 6;
    if (size === 0) return first;
    if (size === 1) return ((first & 0x3f) << 8) | this.u8();
    if (size === 2) {
      this.need(3);
      const value = (first & 0x3f) * 0x100_0000 + this.bytes.readUIntBE(this.offset, 3);
      this.offset += 3;
      return value;
    }
    throw new RangeError('Invalid MLS variable-size length header (0b11 prefix)');
  }

  /** `opaque x<V>`: the body bytes. */
  vector(): Buffer {
    const length = this.varint();
    return this.take(length);
  }

  take(length: number): Buffer {
    this.need(length);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** The bytes read since `start` (to keep a structure's exact serialisation). */
  since(start: number): Buffer {
    return this.bytes.subarray(start, this.offset);
  }

  private need(length: number): void {
    if (this.offset + length > this.bytes.length) throw new RangeError(`MLS structure truncated at byte ${this.offset} (+${length} of ${this.bytes.length})`);
  }
}

/**
 * The Ogg container (RFC 3533): reading one logical stream's packets out of pages, and writing pages.
 * Small on purpose: Discord voice messages are a single Ogg Opus stream, so chained or multiplexed streams
 * are read only as far as the first stream goes.
 */

/** Header-type flags of a page. */
export const OGG_CONTINUED = 0x01;
export const OGG_BOS = 0x02;
export const OGG_EOS = 0x04;

const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const PAGE_HEADER_BYTES = 27;
/** A page holds at most 255 lacing values, so at most 255 × 255 bytes of packet data. */
const MAX_SEGMENTS = 255;

/** Why an Ogg file could not be read; the caller turns this into a sentence naming the file. */
export class OggFormatError extends Error {
  readonly reason: 'truncated' | 'corrupt';

  constructor(reason: 'truncated' | 'corrupt', message: string) {
    super(message);
    this.name = 'OggFormatError';
    this.reason = reason;
  }
}

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final XOR (unlike zlib's). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The Ogg CRC-32 of `bytes`. */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

/** One page as read from a file. */
export interface OggPage {
  readonly headerType: number;
  /** The granule position; -1 when no packet ends on this page. */
  readonly granule: bigint;
  readonly serial: number;
  readonly sequence: number;
  /** The lacing values: segment sizes, 255 meaning the packet goes on. */
  readonly segments: Uint8Array;
  readonly body: Uint8Array;
}

/** Whether `bytes` starts with an Ogg capture pattern at `at`. */
export function isOggPageAt(bytes: Uint8Array, at: number): boolean {
  return CAPTURE.every((byte, i) => bytes[at + i] === byte);
}

/** Every page in `bytes`, each CRC-checked; throws OggFormatError when a page is cut short or damaged. */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pages: OggPage[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < PAGE_HEADER_BYTES) throw new OggFormatError('truncated', `Ogg page header cut short at byte ${at}`);
    if (!isOggPageAt(bytes, at)) throw new OggFormatError('corrupt', `No Ogg page at byte ${at}`);
    if (bytes[at + 4] !== 0) throw new OggFormatError('corrupt', `Unknown Ogg version ${bytes[at + 4]} at byte ${at}`);
    const count = bytes[at + 26]!;
    const bodyAt = at + PAGE_HEADER_BYTES + count;
    if (bodyAt > bytes.length) throw new OggFormatError('truncated', `Ogg lacing table cut short at byte ${at}`);
    const segments = bytes.subarray(at + PAGE_HEADER_BYTES, bodyAt);
    const bodyBytes = segments.reduce((sum, size) => sum + size, 0);
    const end = bodyAt + bodyBytes;
    if (end > bytes.length) throw new OggFormatError('truncated', `Ogg page at byte ${at} needs ${end - bytes.length} more bytes`);
    // The CRC covers the whole page with its own 4 bytes zeroed.
    const page = Uint8Array.from(bytes.subarray(at, end));
    page.fill(0, 22, 26);
    if (oggCrc(page) !== view.getUint32(at + 22, true)) throw new OggFormatError('corrupt', `Ogg page at byte ${at} fails its CRC`);
    pages.push({
      headerType: bytes[at + 5]!,
      granule: view.getBigInt64(at + 6, true),
      serial: view.getUint32(at + 14, true),
      sequence: view.getUint32(at + 18, true),
      segments,
      body: bytes.subarray(bodyAt, end),
    });
    at = end;
  }
  return pages;
}

/** The packets of the first logical stream, and the granule position of its last page that has one. */
export interface OggStream {
  readonly packets: Uint8Array[];
  readonly lastGranule: bigint;
}

/** Joins the first logical stream's pages into packets; a packet left unfinished at the end is dropped. */
export function readOggStream(bytes: Uint8Array): OggStream {
  const pages = readOggPages(bytes);
  const first = pages[0];
  if (!first) throw new OggFormatError('truncated', 'No Ogg pages');
  const packets: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let lastGranule = -1n;
  for (const page of pages) {
    if (page.serial !== first.serial) continue;
    let offset = 0;
    for (const size of page.segments) {
      pending.push(page.body.subarray(offset, offset + size));
      offset += size;
      if (size < 255) {
        packets.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
        pending = [];
      }
    }
    if (page.granule !== -1n) lastGranule = page.granule;
  }
  return { packets, lastGranule };
}

/** Writes the pages of one logical stream; call `page` per page, in order. */
export class OggPageWriter {
  private readonly serial: number;
  private sequence = 0;

  constructor(serial: number) {
    this.serial = serial >>> 0;
  }

  /** Whether these packets fit on one page (at most 255 lacing values). */
  static fits(packets: readonly Uint8Array[]): boolean {
    return packets.reduce((sum, packet) => sum + Math.floor(packet.length / 255) + 1, 0) <= MAX_SEGMENTS;
  }

  /** One page holding whole packets, with its granule position and CRC. */
  page(packets: readonly Uint8Array[], granule: bigint, headerType: number): Buffer {
    if (!OggPageWriter.fits(packets)) throw new RangeError('Too many packets for one Ogg page');
    const lacing: number[] = [];
    for (const packet of packets) {
      // A packet of n × 255 bytes ends with a 0 lacing value, so the reader knows it is complete.
      for (let left = packet.length; ; left -= 255) {
        lacing.push(Math.min(left, 255));
        if (left < 255) break;
      }
    }
    const bodyBytes = packets.reduce((sum, packet) => sum + packet.length, 0);
    const out = Buffer.alloc(PAGE_HEADER_BYTES + lacing.length + bodyBytes);
    out.set(CAPTURE, 0);
    out[4] = 0;
    out[5] = headerType;
    out.writeBigInt64LE(granule, 6);
    out.writeUInt32LE(this.serial, 14);
    out.writeUInt32LE(this.sequence++, 18);
    out[26] = lacing.length;
    out.set(lacing, PAGE_HEADER_BYTES);
    let at = PAGE_HEADER_BYTES + lacing.length;
    for (const packet of packets) {
      out.set(packet, at);
      at += packet.length;
    }
    out.writeUInt32LE(oggCrc(out), 22);
    return out;
  }
}

/** Reads duration, frame size and whether there is a sound track from an MP4/MOV file's `moov` box. */

/** What the fake learns about a video file; fields are absent when the file does not say. */
export interface VideoHeader {
  readonly seconds?: number;
  readonly width?: number;
  readonly height?: number;
  readonly hasAudio: boolean;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia']);

interface Found {
  seconds?: number;
  width?: number;
  height?: number;
  hasAudio: boolean;
}

function walk(view: DataView, start: number, end: number, found: Found): void {
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at; // runs to the end of the file
    }
    if (size < header || at + size > end) return;
    const body = at + header;
    if (CONTAINERS.has(type)) {
      walk(view, body, at + size, found);
    } else if (type === 'mvhd') {
      const v1 = view.getUint8(body) === 1;
      const timescale = view.getUint32(body + (v1 ? 20 : 12));
      const duration = v1 ? Number(view.getBigUint64(body + 24)) : view.getUint32(body + 16);
      if (timescale > 0) found.seconds = duration / timescale;
    } else if (type === 'tkhd') {
      // Width and height are 16.16 fixed point, the box's last 8 bytes; audio tracks say 0.
      const width = view.getUint32(at + size - 8) / 65536;
      const height = view.getUint32(at + size - 4) / 65536;
      if (width > 0 && height > 0 && found.width === undefined) {
        found.width = Math.round(width);
        found.height = Math.round(height);
      }
    } else if (type === 'hdlr' && size >= header + 12) {
      const handler = String.fromCharCode(view.getUint8(body + 8), view.getUint8(body + 9), view.getUint8(body + 10), view.getUint8(body + 11));
      if (handler === 'soun') found.hasAudio = true;
    }
    at += size;
  }
}

/** The facts an MP4/MOV header gives; an empty result (no sound, nothing known) for other containers. */
export function probeVideo(bytes: Uint8Array): VideoHeader {
  const found: Found = { hasAudio: false };
  try {
    walk(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength, found);
  } catch (error) {
    // A box cut short: keep what was read before it.
    if (!(error instanceof RangeError)) throw error;
  }
  return found;
}

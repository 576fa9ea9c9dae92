/**
 * Whether an image file is whole: image-size reads only the header, so a file cut short in upload still
 * reports its full size. Each check walks the format's own structure to its end marker.
 */
import { crc32 } from 'node:zlib';
import type { FileFormat } from './sniff.ts';
import { walkGif } from './sniff.ts';

/** PNG: every chunk fits and passes its CRC, up to IEND. */
function pngComplete(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return false;
    if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) return false;
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'IEND') return true;
    at = end;
  }
  return false;
}

/** JPEG: every marker segment fits, and an end-of-image marker follows the scan data. */
function jpegComplete(bytes: Uint8Array): boolean {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return false;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd9) return true;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const end = at + 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    if (end > bytes.length) return false;
    if (marker === 0xda) {
      // Entropy-coded data never holds 0xFF 0xD9 (0xFF is stuffed), so the first one ends the image.
      for (let i = end; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
      return false;
    }
    at = end;
  }
  return false;
}

/** Whether the image's bytes reach the end its own structure declares. */
export function isImageComplete(bytes: Uint8Array, format: FileFormat): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png':
      return pngComplete(bytes);
    case 'jpeg':
      return jpegComplete(bytes);
    case 'gif':
      return walkGif(bytes).complete;
    case 'webp':
      return bytes.length >= 12 && view.getUint32(4, true) + 8 <= bytes.length;
    case 'bmp': {
      // Some writers leave the file-size field at 0; then only the pixel data offset can be checked.
      const declared = view.getUint32(2, true);
      return bytes.length >= 14 && declared <= bytes.length && view.getUint32(10, true) < bytes.length;
    }
    default:
      return true; // TIFF and HEIF keep their structure in offsets that image-size already followed
  }
}

/**
 * What a file really is, from its first bytes (magic numbers), never from its name or the uploader's
 * content type. Also tells whether a GIF, WebP or PNG is animated, since the model takes still images only.
 */
import { children, EBML_DOCTYPE, EBML_HEADER, readElement, readString } from './ebml.ts';
import { isOggPageAt } from './ogg.ts';

/** Every format we recognise: the ones we handle and the ones we name when refusing them. */
export type FileFormat =
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'bmp'
  | 'tiff'
  | 'heic'
  | 'avif'
  | 'mp4'
  | 'mov'
  | 'webm'
  | 'matroska'
  | 'avi'
  | 'wav'
  | 'ogg-opus'
  | 'ogg-vorbis'
  | 'ogg-flac'
  | 'ogg-other'
  | 'mp3'
  | 'flac'
  | 'm4a'
  | 'pdf'
  | 'zip'
  | 'gzip'
  | 'rar'
  | '7z'
  | 'exe'
  | 'elf'
  | 'html'
  | 'svg'
  | 'script'
  | 'text';

export type FileKind = 'image' | 'video' | 'audio' | 'other';

/** A recognised file. */
export interface SniffedFile {
  readonly format: FileFormat;
  readonly kind: FileKind;
  /** The MIME type to send it as. */
  readonly mime: string;
  /** How to name it to a person, e.g. "a PDF document". */
  readonly label: string;
  /** More than one frame (animated GIF, animated WebP, APNG). Always false for non-images. */
  readonly animated: boolean;
}

const FORMATS: Readonly<Record<FileFormat, { readonly kind: FileKind; readonly mime: string; readonly label: string }>> = {
  png: { kind: 'image', mime: 'image/png', label: 'a PNG image' },
  jpeg: { kind: 'image', mime: 'image/jpeg', label: 'a JPEG image' },
  gif: { kind: 'image', mime: 'image/gif', label: 'a GIF image' },
  webp: { kind: 'image', mime: 'image/webp', label: 'a WebP image' },
  bmp: { kind: 'image', mime: 'image/bmp', label: 'a BMP image' },
  tiff: { kind: 'image', mime: 'image/tiff', label: 'a TIFF image' },
  heic: { kind: 'image', mime: 'image/heic', label: 'a HEIC image' },
  avif: { kind: 'image', mime: 'image/avif', label: 'an AVIF image' },
  mp4: { kind: 'video', mime: 'video/mp4', label: 'an MP4 video' },
  mov: { kind: 'video', mime: 'video/quicktime', label: 'a QuickTime (MOV) video' },
  webm: { kind: 'video', mime: 'video/webm', label: 'a WebM video' },
  matroska: { kind: 'video', mime: 'video/x-matroska', label: 'a Matroska (MKV) video' },
  avi: { kind: 'video', mime: 'video/x-msvideo', label: 'an AVI video' },
  wav: { kind: 'audio', mime: 'audio/wav', label: 'a WAV audio file' },
  'ogg-opus': { kind: 'audio', mime: 'audio/ogg', label: 'an Ogg Opus audio file' },
  'ogg-vorbis': { kind: 'audio', mime: 'audio/ogg', label: 'an Ogg Vorbis audio file' },
  'ogg-flac': { kind: 'audio', mime: 'audio/ogg', label: 'an Ogg FLAC audio file' },
  'ogg-other': { kind: 'other', mime: 'application/ogg', label: 'an Ogg file that is not Opus audio' },
  mp3: { kind: 'audio', mime: 'audio/mpeg', label: 'an MP3 audio file' },
  flac: { kind: 'audio', mime: 'audio/flac', label: 'a FLAC audio file' },
  m4a: { kind: 'audio', mime: 'audio/mp4', label: 'an M4A (AAC) audio file' },
  pdf: { kind: 'other', mime: 'application/pdf', label: 'a PDF document' },
  zip: { kind: 'other', mime: 'application/zip', label: 'a ZIP archive (or an Office document)' },
  gzip: { kind: 'other', mime: 'application/gzip', label: 'a gzip archive' },
  rar: { kind: 'other', mime: 'application/vnd.rar', label: 'a RAR archive' },
  '7z': { kind: 'other', mime: 'application/x-7z-compressed', label: 'a 7-Zip archive' },
  exe: { kind: 'other', mime: 'application/vnd.microsoft.portable-executable', label: 'a Windows program' },
  elf: { kind: 'other', mime: 'application/x-elf', label: 'a Linux program' },
  html: { kind: 'other', mime: 'text/html', label: 'a web page (HTML)' },
  svg: { kind: 'other', mime: 'image/svg+xml', label: 'an SVG drawing (text, not a picture the model can read)' },
  script: { kind: 'other', mime: 'text/x-shellscript', label: 'a script (text)' },
  text: { kind: 'other', mime: 'text/plain', label: 'a text file' },
};

function startsWith(bytes: Uint8Array, at: number, ...signature: readonly number[]): boolean {
  return signature.every((byte, i) => bytes[at + i] === byte);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function result(format: FileFormat, animated = false): SniffedFile {
  return { format, ...FORMATS[format], animated };
}

/** The file's real type from its bytes, or undefined when it is nothing we recognise. */
export function sniff(bytes: Uint8Array): SniffedFile | undefined {
  if (startsWith(bytes, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return result('png', isAnimatedPng(bytes));
  if (startsWith(bytes, 0, 0xff, 0xd8, 0xff)) return result('jpeg');
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return result('gif', walkGif(bytes).frames > 1);
  if (ascii(bytes, 0, 4) === 'RIFF') {
    const type = ascii(bytes, 8, 4);
    if (type === 'WEBP') return result('webp', isAnimatedWebp(bytes));
    if (type === 'WAVE') return result('wav');
    if (type === 'AVI ') return result('avi');
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) return result('bmp');
  if (startsWith(bytes, 0, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0, 0x4d, 0x4d, 0x00, 0x2a)) return result('tiff');
  if (ascii(bytes, 4, 4) === 'ftyp') return result(ftypFormat(bytes));
  // Old QuickTime files start straight with an atom, without ftyp.
  if (['moov', 'mdat', 'wide'].includes(ascii(bytes, 4, 4))) return result('mov');
  if (startsWith(bytes, 0, 0x1a, 0x45, 0xdf, 0xa3)) return result(ebmlDocType(bytes) === 'webm' ? 'webm' : 'matroska');
  if (isOggPageAt(bytes, 0)) return result(oggFormat(bytes));
  if (ascii(bytes, 0, 4) === 'fLaC') return result('flac');
  if (ascii(bytes, 0, 3) === 'ID3' || isMpegAudioFrame(bytes, 0)) return result('mp3');
  if (ascii(bytes, 0, 5) === '%PDF-') return result('pdf');
  if (startsWith(bytes, 0, 0x50, 0x4b, 0x03, 0x04) || startsWith(bytes, 0, 0x50, 0x4b, 0x05, 0x06)) return result('zip');
  if (startsWith(bytes, 0, 0x1f, 0x8b)) return result('gzip');
  if (ascii(bytes, 0, 4) === 'Rar!') return result('rar');
  if (startsWith(bytes, 0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return result('7z');
  if (ascii(bytes, 0, 2) === 'MZ') return result('exe');
  if (startsWith(bytes, 0, 0x7f, 0x45, 0x4c, 0x46)) return result('elf');
  return sniffText(bytes);
}

/** How much of a file the text check reads: enough to tell, cheap for a 7 MB upload. */
const TEXT_SNIFF_BYTES = 4096;
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x1b]);

/**
 * Text in disguise (a script, a web page, notes renamed `.png`): valid UTF-8 without NULs or stray control
 * characters. Checked last, after every binary signature.
 */
function sniffText(bytes: Uint8Array): SniffedFile | undefined {
  if (bytes.length === 0) return undefined;
  // A cut in the middle of a multi-byte character at the end of the window is not a reason to say "binary".
  let head = bytes.subarray(0, TEXT_SNIFF_BYTES);
  if (bytes.length > TEXT_SNIFF_BYTES) {
    let end = head.length;
    while (end > head.length - 4 && end > 0 && (head[end - 1]! & 0xc0) === 0x80) end--;
    if (end > 0 && head[end - 1]! >= 0xc0) end--;
    head = head.subarray(0, end);
  }
  // Tab, line feed, form feed, carriage return and escape appear in real text files; other controls do not.
  if (head.some((byte) => byte === 0x7f || (byte < 0x20 && !TEXT_CONTROLS.has(byte)))) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    return undefined;
  }
  const start = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 512)
    .toLowerCase();
  if (start.startsWith('#!')) return result('script');
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(start)) return result('svg');
  if (/^(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body|script|div|meta|title)[\s>]/.test(start)) return result('html');
  return result('text');
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);
const M4A_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ']);

/** ISO base media files share one container; the major brand says what the file is meant to be. */
function ftypFormat(bytes: Uint8Array): FileFormat {
  const brand = ascii(bytes, 8, 4);
  if (brand === 'qt  ') return 'mov';
  if (M4A_BRANDS.has(brand)) return 'm4a';
  if (brand === 'avif' || brand === 'avis') return 'avif';
  if (HEIC_BRANDS.has(brand)) return 'heic';
  return 'mp4';
}

function ebmlDocType(bytes: Uint8Array): string | undefined {
  const header = readElement(bytes, 0, bytes.length);
  if (!header || header.id !== EBML_HEADER) return undefined;
  for (const element of children(bytes, header.dataAt, header.end)) {
    if (element.id === EBML_DOCTYPE) return readString(bytes, element);
  }
  return undefined;
}

/** The codec of an Ogg stream, from the first packet of its first page. */
function oggFormat(bytes: Uint8Array): FileFormat {
  const payload = 27 + (bytes[26] ?? 0);
  if (ascii(bytes, payload, 8) === 'OpusHead') return 'ogg-opus';
  if (bytes[payload] === 0x01 && ascii(bytes, payload + 1, 6) === 'vorbis') return 'ogg-vorbis';
  if (bytes[payload] === 0x7f && ascii(bytes, payload + 1, 4) === 'FLAC') return 'ogg-flac';
  return 'ogg-other';
}

/** An MPEG audio frame header at `at`: 11 sync bits, a real layer, bit rate and sample rate. */
export function isMpegAudioFrame(bytes: Uint8Array, at: number): boolean {
  const b1 = bytes[at + 1] ?? 0;
  const b2 = bytes[at + 2] ?? 0;
  const layer = (b1 >> 1) & 0x03;
  const version = (b1 >> 3) & 0x03;
  const bitrate = b2 >> 4;
  const rate = (b2 >> 2) & 0x03;
  return bytes[at] === 0xff && (b1 & 0xe0) === 0xe0 && layer !== 0 && version !== 1 && bitrate !== 0x0f && rate !== 0x03;
}

/** An APNG declares its frame count in an acTL chunk before the first IDAT. */
function isAnimatedPng(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    if (type === 'IDAT' || type === 'IEND') return false;
    if (type === 'acTL') return at + 12 <= bytes.length && view.getUint32(at + 8) > 1;
    at += 12 + length;
  }
  return false;
}

/** WebP's extended header (VP8X) carries an animation flag. */
function isAnimatedWebp(bytes: Uint8Array): boolean {
  return ascii(bytes, 12, 4) === 'VP8X' && ((bytes[20] ?? 0) & 0x02) !== 0;
}

/** Skips GIF data sub-blocks starting at `at`; returns the offset after the terminator, or -1 past the end. */
function skipGifSubBlocks(bytes: Uint8Array, at: number): number {
  while (at < bytes.length) {
    const size = bytes[at]!;
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
}

/** Walks a GIF's blocks: how many image frames it holds, and whether it reaches its trailer byte. */
export function walkGif(bytes: Uint8Array): { readonly frames: number; readonly complete: boolean } {
  const packed = bytes[10] ?? 0;
  // Header (6) + logical screen descriptor (7) + the global colour table when the flag says so.
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  let frames = 0;
  while (at >= 0 && at < bytes.length) {
    const block = bytes[at]!;
    if (block === 0x3b) return { frames, complete: true };
    if (block === 0x21) {
      at = skipGifSubBlocks(bytes, at + 2);
    } else if (block === 0x2c) {
      frames++;
      const local = bytes[at + 9] ?? 0;
      // Image descriptor (10) + local colour table + LZW minimum code size (1), then the image data.
      at = skipGifSubBlocks(bytes, at + 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0) + 1);
    } else {
      break; // an unknown block: the file is damaged from here
    }
  }
  return { frames, complete: false };
}

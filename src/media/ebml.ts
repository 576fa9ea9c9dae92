/**
 * Just enough EBML (the binary format of Matroska and WebM) to walk elements: variable-length IDs and
 * sizes, unsigned integers, floats and strings.
 */

/** One element: its ID (marker bits kept, as the specs write IDs), where its data starts and ends. */
export interface EbmlElement {
  readonly id: number;
  readonly dataAt: number;
  /** End of the data; for an element of unknown size, the end of its parent. */
  readonly end: number;
  /** Whether the size field was all ones ("unknown", as live writers leave it). */
  readonly unknownSize: boolean;
  /** Whether the declared size runs past the end of the bytes (the file was cut short). */
  readonly truncated: boolean;
}

export const EBML_HEADER = 0x1a45dfa3;
export const EBML_DOCTYPE = 0x4282;

/** The length in bytes of a vint from its first byte (1..8), or 0 for the invalid byte 0x00. */
function vintLength(first: number): number {
  for (let length = 1; length <= 8; length++) if (first & (0x80 >> (length - 1))) return length;
  return 0;
}

/**
 * The element header at `at` within `[at, end)`, or undefined when there is not a whole header there
 * (the bytes end first or the header is invalid).
 */
export function readElement(bytes: Uint8Array, at: number, end: number): EbmlElement | undefined {
  const idLength = vintLength(bytes[at] ?? 0);
  if (idLength === 0 || idLength > 4 || at + idLength >= end) return undefined;
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + bytes[at + i]!;
  const sizeAt = at + idLength;
  const sizeLength = vintLength(bytes[sizeAt] ?? 0);
  if (sizeLength === 0 || sizeAt + sizeLength > end) return undefined;
  // The size's own marker bit is not part of the value; all value bits set means "unknown size".
  let size = bytes[sizeAt]! & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    const byte = bytes[sizeAt + i]!;
    size = size * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  const dataAt = sizeAt + sizeLength;
  if (allOnes) return { id, dataAt, end, unknownSize: true, truncated: false };
  return { id, dataAt, end: Math.min(dataAt + size, end), unknownSize: false, truncated: dataAt + size > end };
}

/** The children of the element spanning `[at, end)`, stopping at the first header that cannot be read. */
export function* children(bytes: Uint8Array, at: number, end: number): Generator<EbmlElement> {
  while (at < end) {
    const element = readElement(bytes, at, end);
    if (!element) return;
    yield element;
    at = element.end;
  }
}

/** An unsigned integer element's value (up to 8 bytes; precise to 2^53). */
export function readUint(bytes: Uint8Array, element: EbmlElement): number {
  let value = 0;
  for (let i = element.dataAt; i < element.end; i++) value = value * 256 + bytes[i]!;
  return value;
}

/** A float element's value (4 or 8 bytes; 0 when empty, as the spec says). */
export function readFloat(bytes: Uint8Array, element: EbmlElement): number {
  const length = element.end - element.dataAt;
  const view = new DataView(bytes.buffer, bytes.byteOffset + element.dataAt, length);
  if (length === 4) return view.getFloat32(0);
  if (length === 8) return view.getFloat64(0);
  return 0;
}

/** A string element's value, without trailing NULs. */
export function readString(bytes: Uint8Array, element: EbmlElement): string {
  return Buffer.from(bytes.subarray(element.dataAt, element.end)).toString('latin1').replace(/\0+$/, '');
}

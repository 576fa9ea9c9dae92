/**
 * A video's duration, picture size and whether it has sound, read from the container without decoding:
 * MP4/MOV from the `moov` box (`mvhd`, each `trak`'s `tkhd` and `hdlr`), WebM/Matroska from Segment Info and
 * Tracks. Files cut short or damaged are refused: the service would only fail on them later.
 */
import { children, EBML_HEADER, readElement, readFloat, readUint, type EbmlElement } from './ebml.ts';
import { MediaFormatError } from './problems.ts';

/** What the model needs to know about a video before it is sent. */
export interface VideoInfo {
  readonly seconds: number;
  /** Picture size of the first video track (absent when the file has none). */
  readonly width?: number;
  readonly height?: number;
  /** Whether the file has a sound track (the model hears it too). */
  readonly hasAudio: boolean;
}

/** The video's facts; MediaFormatError when the file is cut short, damaged or has no duration. */
export function probeVideo(bytes: Uint8Array, format: 'mp4' | 'mov' | 'webm' | 'matroska'): VideoInfo {
  const info = format === 'webm' || format === 'matroska' ? probeMatroska(bytes) : probeIsoMedia(bytes);
  if (!(info.seconds > 0) || !Number.isFinite(info.seconds)) throw new MediaFormatError({ reason: 'unknown_duration' });
  return info;
}

function cutShort(): MediaFormatError {
  return new MediaFormatError({ reason: 'truncated' });
}

function damaged(detail: string): MediaFormatError {
  return new MediaFormatError({ reason: 'damaged', what: 'video' }, detail);
}

// ---- MP4 / MOV -------------------------------------------------------------------------------------

interface Box {
  readonly type: string;
  readonly dataAt: number;
  readonly end: number;
}

/** The boxes in `[at, end)`; a box running past `end` means the file was cut short. */
function boxes(bytes: Uint8Array, at: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Box[] = [];
  while (at < end) {
    if (end - at < 8) throw cutShort();
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let header = 8;
    if (size === 1) {
      // A 64-bit size follows the type (large `mdat` boxes).
      if (end - at < 16) throw cutShort();
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at; // "to the end of the file"
    }
    if (size < header) throw damaged(`box ${JSON.stringify(type)} smaller than its header`);
    if (at + size > end) throw cutShort();
    out.push({ type, dataAt: at + header, end: at + size });
    at += size;
  }
  return out;
}

function child(bytes: Uint8Array, parent: Box, type: string): Box | undefined {
  return boxes(bytes, parent.dataAt, parent.end).find((box) => box.type === type);
}

function probeIsoMedia(bytes: Uint8Array): VideoInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Walking every top-level box also proves the file is whole: a cut-off `mdat` runs past the end.
  const moov = boxes(bytes, 0, bytes.length).find((box) => box.type === 'moov');
  if (!moov) throw new MediaFormatError({ reason: 'no_video_index' });
  const mvhd = child(bytes, moov, 'mvhd');
  if (!mvhd || mvhd.end - mvhd.dataAt < 32) throw damaged('no usable mvhd box');
  const v1 = bytes[mvhd.dataAt] === 1;
  const timescale = view.getUint32(mvhd.dataAt + (v1 ? 20 : 12));
  let duration = v1 ? Number(view.getBigUint64(mvhd.dataAt + 24)) : view.getUint32(mvhd.dataAt + 16);
  // Fragmented MP4 leaves the movie duration at 0 and gives it in mvex/mehd instead.
  const mehd = duration === 0 ? child(bytes, child(bytes, moov, 'mvex') ?? moov, 'mehd') : undefined;
  if (mehd) {
    // Version and flags (4 bytes), then a 64-bit (version 1) or 32-bit duration.
    const mehdV1 = bytes[mehd.dataAt] === 1;
    if (mehd.end - mehd.dataAt < (mehdV1 ? 12 : 8)) throw damaged('mehd box too short');
    duration = mehdV1 ? Number(view.getBigUint64(mehd.dataAt + 4)) : view.getUint32(mehd.dataAt + 4);
  }
  if (timescale === 0) throw damaged('timescale 0');

  let picture: { width: number; height: number } | undefined;
  let hasAudio = false;
  for (const trak of boxes(bytes, moov.dataAt, moov.end).filter((box) => box.type === 'trak')) {
    const mdia = child(bytes, trak, 'mdia');
    const hdlr = mdia && child(bytes, mdia, 'hdlr');
    if (!hdlr || hdlr.end - hdlr.dataAt < 12) continue;
    const handler = String.fromCharCode(...bytes.subarray(hdlr.dataAt + 8, hdlr.dataAt + 12));
    if (handler === 'soun') hasAudio = true;
    if (handler !== 'vide' || picture) continue;
    const tkhd = child(bytes, trak, 'tkhd');
    // Width and height are 16.16 fixed point at the end of the box: offset 76 (version 0) or 88 (version 1).
    const sizeAt = tkhd && tkhd.dataAt + (bytes[tkhd.dataAt] === 1 ? 88 : 76);
    if (tkhd && sizeAt !== undefined && sizeAt + 8 <= tkhd.end) {
      picture = { width: view.getUint32(sizeAt) >>> 16, height: view.getUint32(sizeAt + 4) >>> 16 };
    }
  }
  return { seconds: duration / timescale, ...picture, hasAudio };
}

// ---- WebM / Matroska -------------------------------------------------------------------------------

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const CLUSTER = 0x1f43b675;
const CLUSTER_TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
const BLOCK = 0xa1;
const TRACK_TYPE_VIDEO = 1;
const TRACK_TYPE_AUDIO = 2;
/** Matroska's default: timestamps count nanoseconds × this / 1e9 → 1 ms ticks. */
const DEFAULT_TIMECODE_SCALE = 1_000_000;

function probeMatroska(bytes: Uint8Array): VideoInfo {
  const header = readElement(bytes, 0, bytes.length);
  if (!header || header.id !== EBML_HEADER || header.truncated) throw damaged('no EBML header');
  const segment = readElement(bytes, header.end, bytes.length);
  if (!segment || segment.id !== SEGMENT) throw damaged('no Segment');
  if (segment.truncated) throw cutShort();

  let scale = DEFAULT_TIMECODE_SCALE;
  let duration: number | undefined;
  let picture: { width: number; height: number } | undefined;
  let hasAudio = false;
  let lastTick = 0;
  let sawTracks = false;
  for (const element of levelOne(bytes, segment)) {
    if (element.id === INFO) {
      for (const field of children(bytes, element.dataAt, element.end)) {
        if (field.id === TIMECODE_SCALE) scale = readUint(bytes, field);
        if (field.id === DURATION) duration = readFloat(bytes, field);
      }
    } else if (element.id === TRACKS) {
      sawTracks = true;
      for (const entry of children(bytes, element.dataAt, element.end)) {
        if (entry.id !== TRACK_ENTRY) continue;
        const track = readTrack(bytes, entry);
        if (track.type === TRACK_TYPE_AUDIO) hasAudio = true;
        if (track.type === TRACK_TYPE_VIDEO && !picture && track.picture) picture = track.picture;
      }
    } else if (element.id === CLUSTER && duration === undefined) {
      // Live writers (a browser's MediaRecorder, ffmpeg on a pipe) leave Duration out: the last block's start
      // time stands in for it (one frame short, which is fine for checking limits).
      lastTick = Math.max(lastTick, lastClusterTick(bytes, element));
    }
  }
  if (!sawTracks) throw damaged('no Tracks');
  const ticks = duration ?? lastTick;
  return { seconds: (ticks * scale) / 1e9, ...picture, hasAudio };
}

/**
 * The Segment's children. An unknown-size Cluster (live writing) ends where the next level-1 element starts,
 * so those are found by scanning the Cluster's own children.
 */
function* levelOne(bytes: Uint8Array, segment: EbmlElement): Generator<EbmlElement> {
  let at = segment.dataAt;
  while (at < segment.end) {
    const element = readElement(bytes, at, segment.end);
    if (!element) return;
    if (element.truncated) throw cutShort();
    if (element.unknownSize && element.id === CLUSTER) {
      let end = element.dataAt;
      for (const inner of children(bytes, element.dataAt, segment.end)) {
        if (inner.id === CLUSTER || inner.id === INFO || inner.id === TRACKS) break;
        end = inner.end;
      }
      yield { ...element, end, unknownSize: false };
      at = end;
      continue;
    }
    yield element;
    if (element.unknownSize) return;
    at = element.end;
  }
}

function readTrack(bytes: Uint8Array, entry: EbmlElement): { type: number; picture?: { width: number; height: number } } {
  let type = 0;
  let picture: { width: number; height: number } | undefined;
  for (const field of children(bytes, entry.dataAt, entry.end)) {
    if (field.id === TRACK_TYPE) type = readUint(bytes, field);
    if (field.id === VIDEO) {
      let width = 0;
      let height = 0;
      for (const video of children(bytes, field.dataAt, field.end)) {
        if (video.id === PIXEL_WIDTH) width = readUint(bytes, video);
        if (video.id === PIXEL_HEIGHT) height = readUint(bytes, video);
      }
      picture = { width, height };
    }
  }
  return picture ? { type, picture } : { type };
}

/** The latest block time in a Cluster, in timecode ticks: Cluster Timecode + the block's signed 16-bit offset. */
function lastClusterTick(bytes: Uint8Array, cluster: EbmlElement): number {
  let base = 0;
  let latest = 0;
  const blockTick = (block: EbmlElement): number => {
    // Track number (a vint), then the relative timecode (int16, big-endian).
    const trackLength = Math.clz32(bytes[block.dataAt] ?? 0) - 23;
    const at = block.dataAt + trackLength;
    if (trackLength < 1 || trackLength > 8 || at + 2 > block.end) return 0;
    return base + ((((bytes[at]! << 8) | bytes[at + 1]!) << 16) >> 16);
  };
  for (const element of children(bytes, cluster.dataAt, cluster.end)) {
    if (element.id === CLUSTER_TIMECODE) base = readUint(bytes, element);
    if (element.id === SIMPLE_BLOCK) latest = Math.max(latest, blockTick(element));
    if (element.id === BLOCK_GROUP) {
      for (const inner of children(bytes, element.dataAt, element.end)) if (inner.id === BLOCK) latest = Math.max(latest, blockTick(inner));
    }
  }
  return latest;
}

/** Hand-made audio files for the limit tests: long files that are cheap to build, and ones whose headers lie. */
import { encodeWav } from '../../src/audio/wav.ts';
import { encodeVoiceMessage } from '../../src/media/voiceMessage.ts';
import { oggCrc, readOggPages } from '../../src/media/ogg.ts';

/**
 * One silent MPEG-2.5 layer III frame: 8 kbit/s, 8 kHz, mono, no CRC, 576 samples (72 ms) in 72 bytes. The
 * side information is all zeros (no main data), which decoders play as silence.
 */
const SILENT_FRAME = (() => {
  const frame = Buffer.alloc(72);
  frame.set([0xff, 0xe3, 0x18, 0xc0]);
  return frame;
})();
export const SILENT_FRAME_SECONDS = 576 / 8000;

/** `seconds` of silent 8 kbit/s MP3 (117 min is 7 MB, as in the report that prompted the limits). */
export function silentMp3(seconds: number): Buffer {
  const frames = Math.ceil(seconds / SILENT_FRAME_SECONDS);
  return Buffer.concat(Array.from({ length: frames }, () => SILENT_FRAME));
}

/** A silent MP3 led by a Xing header frame claiming `claimedFrames` frames, whatever follows. */
export function mp3WithXing(seconds: number, claimedFrames: number): Buffer {
  const header = Buffer.from(SILENT_FRAME);
  // MPEG-2 mono: the Xing tag follows the 4-byte header and 9 bytes of side information.
  header.write('Xing', 13, 'latin1');
  header.writeUInt32BE(0x01, 17); // flags: frame count present
  header.writeUInt32BE(claimedFrames, 21);
  return Buffer.concat([header, silentMp3(seconds)]);
}

/** `seconds` of 8 kHz 8-bit mono WAV: 8 KB a second, so 15 min fit in 7.2 MB. */
export function quietWav(seconds: number): Buffer {
  const wav = encodeWav(new Int16Array(1), 8000, 1);
  const bytes = Math.round(seconds * 8000);
  const out = Buffer.alloc(44 + bytes, 0x80);
  wav.copy(out, 0, 0, 44);
  out.writeUInt32LE(36 + bytes, 4);
  out.writeUInt16LE(1, 32); // block align
  out.writeUInt16LE(8, 34); // bits per sample
  out.writeUInt32LE(8000, 28); // bytes per second
  out.writeUInt32LE(bytes, 40);
  return out;
}

/** A short voice message whose last page claims `seconds` of audio (its CRC fixed, so only the claim is false). */
export function oggClaiming(seconds: number): Buffer {
  const ogg = Buffer.from(encodeVoiceMessage(new Int16Array(24_000).fill(1000)).ogg);
  const last = readOggPages(ogg).at(-1)!;
  const at = ogg.length - 27 - last.segments.length - last.body.length;
  ogg.writeBigInt64LE(BigInt(Math.round(seconds * 48_000)), at + 6);
  ogg.writeUInt32LE(0, at + 22);
  ogg.writeUInt32LE(oggCrc(ogg.subarray(at)), at + 22);
  return ogg;
}

/** What simulated users say: audio loaded as 48 kHz stereo, cut into 20 ms Opus frames, and paced like a real client. */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleepUntilNextFrame } from 'node:timers/promises';
import { downmixToMono, upmixToStereo } from '../../src/audio/channels.ts';
import { OPUS_FRAME_SAMPLES, OpusEncoder } from '../../src/audio/opus.ts';
import { Resampler } from '../../src/audio/resample.ts';
import { decodeWav } from '../../src/audio/wav.ts';

export const FRAME_MS = 20;
/** Interleaved stereo samples in one 20 ms frame. */
const FRAME_SAMPLES = OPUS_FRAME_SAMPLES * 2;

/** Options for `say()`: simulate network loss, lateness and copies, pauses in transmission, a client's faults. */
export interface SayOptions {
  /** Frames (0-based) to drop: sequence and timestamp still advance, as for real loss. */
  readonly loss?: (frame: number) => boolean;
  /** Stop sending for `ms` after frame `afterFrame` (timestamps jump by the pause, like a real client). */
  readonly pauses?: ReadonlyArray<{ readonly afterFrame: number; readonly ms: number }>;
  /** Send the 5 silence frames real clients send when they stop talking (default true). */
  readonly trailingSilence?: boolean;
  /** Frames (0-based) sent with a broken AES-GCM tag, as a decrypt failure would look to the bot. */
  readonly corrupt?: (frame: number) => boolean;
  /** Extra time (ms) a frame's packet is held up on the way, as Wi-Fi does; the packets behind it are not held up. */
  readonly delayMs?: (frame: number) => number;
  /** Frames whose packet arrives twice (the copy right behind it), as a network may deliver. */
  readonly duplicate?: (frame: number) => boolean;
  /**
   * From this frame on the client sends on a new SSRC whose sequence and timestamp start elsewhere (a
   * reconnect or another device), announced with a Speaking op first.
   */
  readonly newSsrcAtFrame?: number;
  /** Frames whose Opus payload is replaced by bytes that look random (a broken client), the same every run. */
  readonly garbage?: (frame: number) => boolean;
  /** Called with performance.now() as the first audio packet leaves, to time the bot's reaction. */
  readonly onFirstPacket?: (at: number) => void;
  /** Called with each frame's index (0-based) and performance.now() as its packet leaves (lost frames are not sent; a held-up one when it goes). */
  readonly onFrameSent?: (frame: number, at: number) => void;
}

/** Loads 48 kHz interleaved stereo: an Int16Array as is, or a WAV file of any rate / channel count. */
export async function loadSpeech(input: Int16Array | string): Promise<Int16Array> {
  if (typeof input !== 'string') return input;
  const wav = decodeWav(await readFile(input));
  if (wav.sampleRate === 48_000 && wav.channels === 2) return wav.samples;
  let mono = downmixToMono(wav.samples, wav.channels);
  if (wav.sampleRate !== 48_000) {
    const resampler = new Resampler({ fromRate: wav.sampleRate, toRate: 48_000 });
    const head = resampler.process(mono);
    const tail = resampler.flush();
    mono = new Int16Array(head.length + tail.length);
    mono.set(head);
    mono.set(tail, head.length);
  }
  return upmixToStereo(mono);
}

/** Encodes 48 kHz stereo PCM to 20 ms Opus frames (the last one zero-padded). */
export function encodeOpusFrames(pcm: Int16Array): Buffer[] {
  const encoder = new OpusEncoder();
  try {
    const frames: Buffer[] = [];
    for (let start = 0; start < pcm.length; start += FRAME_SAMPLES) {
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(pcm.subarray(start, start + FRAME_SAMPLES));
      frames.push(Buffer.from(encoder.encode(frame)));
    }
    return frames;
  } finally {
    encoder.destroy();
  }
}

/**
 * Calls `send(index, extraTimestampFrames)` once per frame, every 20 ms on a drift-free schedule;
 * a pause delays the schedule and is reported (in frames) with the next frame. Resolves after the last.
 */
export async function paceFrames(
  count: number,
  send: (index: number, pausedFrames: number) => Promise<void>,
  pauses: SayOptions['pauses'] = [],
): Promise<void> {
  const start = performance.now();
  let pausedMs = 0;
  let pendingPause = 0;
  for (let index = 0; index < count; index++) {
    const due = start + index * FRAME_MS + pausedMs;
    const wait = due - performance.now();
    if (wait > 0) await sleepUntilNextFrame(wait);
    await send(index, pendingPause);
    pendingPause = 0;
    for (const pause of pauses) {
      if (pause.afterFrame !== index) continue;
      pausedMs += pause.ms;
      pendingPause += Math.round(pause.ms / FRAME_MS);
    }
  }
}

/** `length` bytes that look random, the same for the same seed (xorshift32): a broken client's "Opus". */
export function garbageBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

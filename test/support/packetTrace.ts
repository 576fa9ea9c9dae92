/**
 * Packet traces: what a Discord client sends for a recording (20 ms Opus frames with RTP sequence numbers,
 * timestamps and arrival times, nothing sent through long silences after the five silence frames clients end
 * a burst with), and the same trace as a network delivers it: with loss, lateness, copies, or the client moving
 * to a new SSRC. The impairments are seeded, so a trace is the same every run.
 */
import { OPUS_FRAME_SAMPLES } from '../../src/audio/opus.ts';
import { random } from '../audio/signal.ts';
import { SILENCE_FRAME } from '../sim/rtp.ts';
import { encodeOpusFrames } from '../sim/speech.ts';
import { toDiscordPcm } from './speechPieces.ts';

const FRAME_MS = 20;
/** Interleaved stereo samples per frame. */
const FRAME_SAMPLES = OPUS_FRAME_SAMPLES * 2;
/** A frame whose samples all stay within this is silent (the fixtures' pauses are digital silence). */
const SILENT_PEAK = 64;
/** Silent frames in a row after which a client stops sending (it sends five silence frames, then nothing). */
const STOP_AFTER_SILENT_FRAMES = 15;
const SILENCE_FRAMES_SENT = 5;

/** One RTP packet as it reached the bot. */
export interface TracePacket {
  readonly ssrc: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly arrivalMs: number;
  readonly opus: Buffer;
}

function isSilent(pcm: Int16Array, frame: number): boolean {
  const samples = pcm.subarray(frame * FRAME_SAMPLES, (frame + 1) * FRAME_SAMPLES);
  return samples.every((sample) => Math.abs(sample) <= SILENT_PEAK);
}

/** The packets a client sends for 16 kHz mono speech, each arriving as it is sent (on a 20 ms clock). */
export function clientTrace(samples16k: Int16Array, stream = { ssrc: 4242, sequence: 65_000, timestamp: 4_294_000_000 }): TracePacket[] {
  const pcm = toDiscordPcm(samples16k);
  const frames = encodeOpusFrames(pcm);
  const trace: TracePacket[] = [];
  let sequence = stream.sequence;
  let silentRun = 0;
  for (const [frame, opus] of frames.entries()) {
    silentRun = isSilent(pcm, frame) ? silentRun + 1 : 0;
    if (silentRun > STOP_AFTER_SILENT_FRAMES) continue;
    // Entering a long silence: the frames sent are the silence frames clients end with.
    const payload = silentRun > STOP_AFTER_SILENT_FRAMES - SILENCE_FRAMES_SENT ? SILENCE_FRAME : opus;
    trace.push({
      ssrc: stream.ssrc,
      sequence: sequence & 0xffff,
      timestamp: (stream.timestamp + frame * OPUS_FRAME_SAMPLES) >>> 0,
      arrivalMs: (frame + 1) * FRAME_MS,
      opus: payload,
    });
    sequence++;
  }
  return trace;
}

/** The packets that survive a network losing `share` of them (sequence numbers and timestamps keep their holes). */
export function lose(trace: readonly TracePacket[], share: number, seed: number): TracePacket[] {
  const next = random(seed);
  return trace.filter(() => next() >= share);
}

/** How a network and client deliver a trace, besides losing packets. */
export interface Delivery {
  readonly seed: number;
  /** Share of packets held up, and by how much (ms, uniform). */
  readonly late?: { readonly share: number; readonly minMs: number; readonly maxMs: number };
  /** Share of packets delivered twice; the copy comes up to 30 ms after. */
  readonly duplicates?: number;
  /** From the packet sent at this index on, the client sends on a new SSRC with sequence and timestamp starting elsewhere. */
  readonly newSsrcAtPacket?: number;
}

/** The trace as delivered, in arrival order. */
export function deliver(trace: readonly TracePacket[], delivery: Delivery): TracePacket[] {
  const next = random(delivery.seed);
  const out: TracePacket[] = [];
  const switchAt = delivery.newSsrcAtPacket ?? Number.POSITIVE_INFINITY;
  const switched = trace[switchAt];
  for (const [index, original] of trace.entries()) {
    let packet = original;
    if (switched && index >= switchAt) {
      // The new stream's numbers start elsewhere but step as before.
      packet = {
        ...packet,
        ssrc: switched.ssrc + 1,
        sequence: (packet.sequence - switched.sequence + 12_345 + 0x1_0000) & 0xffff,
        timestamp: (packet.timestamp - switched.timestamp + 777_777) >>> 0,
      };
    }
    const late = delivery.late;
    if (late && next() < late.share) packet = { ...packet, arrivalMs: packet.arrivalMs + late.minMs + next() * (late.maxMs - late.minMs) };
    out.push(packet);
    if (next() < (delivery.duplicates ?? 0)) out.push({ ...packet, arrivalMs: packet.arrivalMs + next() * 30 });
  }
  // Stable: packets arriving at the same moment keep their sending order.
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}

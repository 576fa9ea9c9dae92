/**
 * The sample-format conversions the bot runs: Discord voice (48 kHz stereo) to model input
 * (16 kHz mono), model output (24 kHz mono) to Discord voice, and any WAV file to model input.
 * All streaming converters keep state per stream: make one per speaker / per reply.
 */
import { downmixStereo, downmixToMono, upmixToStereo } from './channels.ts';
import { canResampleExactly, Resampler } from './resample.ts';
import type { DecodedWav } from './wav.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';

/** Discord voice PCM: 48 kHz, interleaved stereo, 16-bit. */
export const DISCORD_SAMPLE_RATE = 48_000;
export const DISCORD_CHANNELS = 2;
/** Sample rate of the mono speech we send to the model. */
export const MODEL_INPUT_SAMPLE_RATE = 16_000;

/** A streaming converter: `push` chunks of any size, `flush` once at the end of the stream. */
export interface PcmConverter {
  /** Converts the next chunk; returns the output that is complete so far. */
  push(pcm: Int16Array): Int16Array;
  /** Returns the remaining output and resets, ready for a new stream. */
  flush(): Int16Array;
}

/** 48 kHz interleaved stereo (as decoded from Discord Opus) to 16 kHz mono for the model. */
export function createDiscordToModel(): PcmConverter {
  const resampler = new Resampler({ fromRate: DISCORD_SAMPLE_RATE, toRate: MODEL_INPUT_SAMPLE_RATE });
  // A chunk may end between the left and right sample of a frame; keep the left one for the next chunk.
  let danglingLeft: number | undefined;
  return {
    push(pcm) {
      let stereo = pcm;
      if (danglingLeft !== undefined) {
        stereo = new Int16Array(pcm.length + 1);
        stereo[0] = danglingLeft;
        stereo.set(pcm, 1);
      }
      danglingLeft = stereo.length % 2 === 1 ? stereo[stereo.length - 1] : undefined;
      return resampler.process(downmixStereo(stereo));
    },
    flush() {
      danglingLeft = undefined;
      return resampler.flush();
    },
  };
}

/** 24 kHz mono (the model's speech) to 48 kHz interleaved stereo for Discord. */
export function createModelToDiscord(): PcmConverter {
  const resampler = new Resampler({ fromRate: MODEL_OUTPUT_SAMPLE_RATE, toRate: DISCORD_SAMPLE_RATE });
  return {
    push: (pcm) => upmixToStereo(resampler.process(pcm)),
    flush: () => upmixToStereo(resampler.flush()),
  };
}

/** Rates with an awkward ratio to 16 kHz (e.g. 11127 Hz) are read as the nearest multiple of this. */
const ROUNDED_RATE_STEP = 50;

/**
 * Any decoded WAV (any rate, any channel count) to 16 kHz mono for the model. An unusual rate whose
 * ratio to 16 kHz does not reduce to small terms is treated as the nearest multiple of 50 Hz: a speed
 * error of at most 0.3 % at 8 kHz (less at higher rates), inaudible in speech.
 */
export function toModelInput(wav: DecodedWav): Int16Array {
  const mono = downmixToMono(wav.samples, wav.channels);
  if (wav.sampleRate === MODEL_INPUT_SAMPLE_RATE) return mono;
  const fromRate = canResampleExactly(wav.sampleRate, MODEL_INPUT_SAMPLE_RATE)
    ? wav.sampleRate
    : Math.max(ROUNDED_RATE_STEP, Math.round(wav.sampleRate / ROUNDED_RATE_STEP) * ROUNDED_RATE_STEP);
  const resampler = new Resampler({ fromRate, toRate: MODEL_INPUT_SAMPLE_RATE });
  const head = resampler.process(mono);
  const tail = resampler.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

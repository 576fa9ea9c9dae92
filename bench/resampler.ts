/**
 * 3. Resampler quality and speed against sox, for the bot's two conversions: 24 -> 48 kHz (model speech to
 * Discord) and 48 -> 16 kHz (Discord to the model). Signals: a logarithmic sine sweep at -6 dBFS across the
 * whole input band, and the recorded speech fixtures (for 48 -> 16 kHz with band noise from 8.8 kHz up
 * added, since the recordings themselves have nothing there to alias).
 *   passband: the level each resampler passes, frame by frame along the sweep (Blackman-Harris frames) and in
 *             1/3-octave bands for speech, up to 0.45 x the lower rate; figure = largest |ours - sox| in dB;
 *   rejection: sweep frames whose tone lies in the stopband (from 0.55 x the lower rate): tone level minus
 *             everything the output holds (alias) or holds in the image band (image); speech: image-band
 *             energy relative to the speech / alias leak relative to the added noise;
 *   speed: CPU time for 60 s of each signal, ours in 20 ms chunks, sox on a file (single-threaded).
 */
import { concatSamples } from '../src/audio/pcm.ts';
import { Resampler } from '../src/audio/resample.ts';
import { sweep } from '../test/audio/signal.ts';
import { atLeast, atMost, figure, type Figure, type Section } from './lib/figures.ts';
import { averagedPower, bandNoise, bandPower, framePower, powerDb } from './lib/spectrum.ts';
import { ensureSox, soxResample, type SoxStatus } from './lib/sox.ts';
import { cleanSpeechFixtures, fixtureSamples } from '../test/support/speechPieces.ts';
import { median } from './lib/stats.ts';

const SWEEP_SECONDS = 8;
const SWEEP_AMPLITUDE = 0.5;
const SWEEP_LEVEL_DB = 20 * Math.log10((SWEEP_AMPLITUDE * 32767) / 32768);
const NOISE_RMS = 2000;
/** sox gets 5 x more audio for its speed: it is fast enough that the shell's 10 ms CPU clock would dominate. */
const SOX_SPEED_FACTOR = 5;

interface Conversion {
  readonly from: number;
  readonly to: number;
  readonly key: string;
}
const CONVERSIONS: readonly Conversion[] = [
  { from: 24_000, to: 48_000, key: '24to48' },
  { from: 48_000, to: 16_000, key: '48to16' },
];

function ours(input: Int16Array, from: number, to: number): Int16Array {
  const resampler = new Resampler({ fromRate: from, toRate: to });
  const chunk = from / 50;
  const parts: Int16Array[] = [];
  for (let offset = 0; offset < input.length; offset += chunk) parts.push(resampler.process(input.subarray(offset, offset + chunk)));
  parts.push(resampler.flush());
  return concatSamples(parts);
}

function oursCpuMs(input: Int16Array, from: number, to: number, runs: number): number {
  ours(input, from, to);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.cpuUsage();
    ours(input, from, to);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

/** Repeats `samples` to `seconds`. */
function loop(samples: Int16Array, rate: number, seconds: number): Int16Array {
  const out = new Int16Array(rate * seconds);
  for (let offset = 0; offset < out.length; offset += samples.length) out.set(samples.subarray(0, Math.min(samples.length, out.length - offset)), offset);
  return out;
}

interface SweepResult {
  passband: number[];
  passbandVsIdealDb: number;
  rejectionDb: number;
}

/** Frame-by-frame analysis of a resampled sweep: level at the tone (passband) and what lies where nothing should. */
function analyseSweep(output: Int16Array, c: Conversion, sweepTo: number): SweepResult {
  const lower = Math.min(c.from, c.to);
  const frame = Math.round(c.to * 0.064);
  const growth = Math.log(sweepTo / 20) / SWEEP_SECONDS;
  const frequencyAt = (seconds: number): number => 20 * Math.exp(growth * seconds);
  const passband: number[] = [];
  let rejection = Infinity;
  for (let start = Math.round(c.to * 0.1); start + frame <= output.length - c.to * 0.1; start += frame >> 1) {
    const [first, last] = [start, start + frame].map((at) => frequencyAt(at / c.to)) as [number, number];
    const power = framePower(output, start, frame);
    // The tone's band: the sweep's span in this frame, widened by the window's main lobe (4 bins each side).
    const lobe = (4 * c.to) / frame;
    const toneBand = (): number => bandPower(power, c.to, first / 1.02 - lobe, last * 1.02 + lobe);
    if (first >= 100 && last <= 0.45 * lower) {
      passband.push(powerDb(toneBand()) - SWEEP_LEVEL_DB);
    } else if (c.to < c.from && first >= 0.55 * lower) {
      // Downsampling: the tone is out of band; whatever comes out is alias.
      rejection = Math.min(rejection, SWEEP_LEVEL_DB - powerDb(bandPower(power, c.to, 20, c.to / 2)));
    }
    if (c.to > c.from && first >= 100 && last <= 0.45 * lower) {
      // Upsampling: a tone at f leaves an image at from - f, in the band from 0.55 x the lower rate.
      const tone = powerDb(toneBand());
      rejection = Math.min(rejection, tone - powerDb(bandPower(power, c.to, 0.55 * lower, c.to / 2)));
    }
  }
  const worst = passband.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  return { passband, passbandVsIdealDb: worst, rejectionDb: rejection };
}

/** 1/3-octave band levels (dB) from 100 Hz to 0.45 x the lower rate. */
function thirdOctaveBands(samples: Int16Array, rate: number, upTo: number): Map<number, number> {
  const power = averagedPower(samples, Math.round(rate * 0.064));
  const bands = new Map<number, number>();
  for (let centre = 100; centre * 2 ** (1 / 6) <= upTo; centre *= 2 ** (1 / 3))
    bands.set(Math.round(centre), powerDb(bandPower(power, rate, centre / 2 ** (1 / 6), centre * 2 ** (1 / 6))));
  return bands;
}

/** Largest |a - b| over bands within 50 dB of the loudest (the others hold only residue). */
function bandDifference(a: Map<number, number>, b: Map<number, number>): number {
  const loudest = Math.max(...b.values());
  let worst = 0;
  for (const [centre, level] of b) if (level > loudest - 50) worst = Math.max(worst, Math.abs(a.get(centre)! - level));
  return worst;
}

function meanSquare(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! ** 2;
  return sum / samples.length;
}

export const run: Section = async ({ smoke, log }) => {
  const sox: SoxStatus = ensureSox(!smoke, log);
  const speedSeconds = smoke ? 5 : 60;
  const runs = smoke ? 1 : 3;
  const speech16k = concatSamples(cleanSpeechFixtures().map(fixtureSamples));
  const figures: Figure[] = [];
  const detail: Record<string, unknown> = { sox: sox.available ? sox.version : { skipped: sox.reason } };
  const notes = [
    'Sweep: 20 Hz to just under the input Nyquist, -6 dBFS, 8 s, analysed in 64 ms Blackman-Harris frames; speech: the clean fixtures (58 s); sox: `rate -h`, no dither, --single-threaded.',
    sox.available ? `Reference: ${sox.version}.` : `Comparison with sox skipped: ${sox.reason}.`,
    `Speech rejection is bounded by 16-bit rounding of the outputs (about ${(10 * Math.log10(NOISE_RMS ** 2 / (2 / 12))).toFixed(0)} dB for the 48 -> 16 kHz noise test; about 85 dB for 24 -> 48 kHz speech): at that floor ours and sox read the same.`,
  ];

  for (const c of CONVERSIONS) {
    const label = `${c.from / 1000} -> ${c.to / 1000} kHz`;
    const lower = Math.min(c.from, c.to);
    // Signals at the input rate.
    const sweepTo = 0.49 * c.from;
    const sweepIn = sweep({ from: 20, to: sweepTo, sampleRate: c.from, seconds: SWEEP_SECONDS, amplitude: SWEEP_AMPLITUDE });
    let speechIn = ours(speech16k, 16_000, c.from);
    // 48 -> 16: band noise from 0.55 x 16 kHz up (-24 dBFS RMS) over the speech (at half level, so nothing clips)
    // is what could alias. mix - speech is exactly the rounded noise, so out(mix) - out(speech) is its leak.
    const noise = c.to < c.from ? Float64Array.from(bandNoise(speechIn.length, c.from, 0.55 * lower, 0.49 * c.from, NOISE_RMS), Math.round) : undefined;
    if (noise) speechIn = Int16Array.from(speechIn, (value) => Math.round(value / 2));
    const mixIn = noise ? Int16Array.from(speechIn, (value, i) => value + noise[i]!) : undefined;
    if (noise && mixIn!.some((value, i) => value !== speechIn[i]! + noise[i]!)) throw new Error('the speech + noise mix clipped');

    const oursSweep = analyseSweep(ours(sweepIn, c.from, c.to), c, sweepTo);
    const speechOurs = ours(speechIn, c.from, c.to);
    const speechRejection = (out: Int16Array, mixOut: Int16Array | undefined): number => {
      if (!mixOut || !noise) {
        // Image band energy relative to the speech.
        const power = averagedPower(out, Math.round(c.to * 0.064));
        return powerDb(bandPower(power, c.to, 20, c.to / 2)) - powerDb(bandPower(power, c.to, 0.55 * lower, c.to / 2));
      }
      const leak = Float64Array.from(mixOut, (value, i) => value - (out[i] ?? 0));
      // Noise mean square in Int16 units before, leak after: both mean squares, so the ratio is the rejection.
      return 10 * Math.log10(meanSquare(noise) / Math.max(meanSquare(leak), 1e-9));
    };
    const oursSpeechRejection = speechRejection(speechOurs, mixIn ? ours(mixIn, c.from, c.to) : undefined);
    const oursBands = thirdOctaveBands(speechOurs, c.to, 0.45 * lower);

    const speedSpeech = loop(speechIn, c.from, speedSeconds);
    const speedSweep = loop(sweepIn, c.from, speedSeconds);
    const oursSpeechMs = oursCpuMs(speedSpeech, c.from, c.to, runs);
    const oursSweepMs = oursCpuMs(speedSweep, c.from, c.to, runs);
    const realTime = (ms: number): number => (speedSeconds * 1000) / ms;

    let soxFigures:
      | { passbandSweep: number; passbandSpeech: number; sweep: SweepResult; speechRejection: number; speechRealTime: number; sweepRealTime: number }
      | undefined;
    if (sox.available) {
      const soxSweepOut = soxResample(sweepIn, c.from, c.to).output;
      const soxSweep = analyseSweep(soxSweepOut, c, sweepTo);
      const passbandSweep = oursSweep.passband.reduce((max, value, i) => Math.max(max, Math.abs(value - (soxSweep.passband[i] ?? value))), 0);
      const soxSpeech = soxResample(speechIn, c.from, c.to).output;
      const passbandSpeech = bandDifference(oursBands, thirdOctaveBands(soxSpeech, c.to, 0.45 * lower));
      const soxRejection = speechRejection(soxSpeech, mixIn ? soxResample(mixIn, c.from, c.to).output : undefined);
      const soxSpeechMs =
        median(Array.from({ length: runs }, () => soxResample(loop(speechIn, c.from, speedSeconds * SOX_SPEED_FACTOR), c.from, c.to).cpuMs)) / SOX_SPEED_FACTOR;
      const soxSweepMs =
        median(Array.from({ length: runs }, () => soxResample(loop(sweepIn, c.from, speedSeconds * SOX_SPEED_FACTOR), c.from, c.to).cpuMs)) / SOX_SPEED_FACTOR;
      soxFigures = {
        passbandSweep,
        passbandSpeech,
        sweep: soxSweep,
        speechRejection: soxRejection,
        speechRealTime: realTime(soxSpeechMs),
        sweepRealTime: realTime(soxSweepMs),
      };
    }
    const skipped = sox.available ? undefined : `skipped: ${sox.reason}`;
    const kind = c.to > c.from ? 'image' : 'alias';
    figures.push(
      figure(
        `resampler.${c.key}.passbandVsSox.sweep`,
        `${label}: passband level vs sox, sweep (max |diff|)`,
        soxFigures?.passbandSweep ?? null,
        'dB',
        atMost(1, 'dB'),
        skipped,
      ),
      figure(
        `resampler.${c.key}.passbandVsSox.speech`,
        `${label}: passband level vs sox, speech 1/3-octave bands (max |diff|)`,
        soxFigures?.passbandSpeech ?? null,
        'dB',
        atMost(1, 'dB'),
        skipped,
      ),
      figure(
        `resampler.${c.key}.passbandVsInput.sweep`,
        `${label}: passband deviation from the input, sweep (ours; sox ${soxFigures ? soxFigures.sweep.passbandVsIdealDb.toFixed(2) : '-'})`,
        oursSweep.passbandVsIdealDb,
        'dB',
      ),
      figure(
        `resampler.${c.key}.rejection.sweep`,
        `${label}: ${kind} rejection, sweep (ours; sox ${soxFigures ? soxFigures.sweep.rejectionDb.toFixed(1) : '-'})`,
        oursSweep.rejectionDb,
        'dB',
        atLeast(60, 'dB'),
      ),
      figure(
        `resampler.${c.key}.rejection.speech`,
        `${label}: ${kind} rejection, speech${noise ? ' + HF noise' : ''} (ours; sox ${soxFigures ? soxFigures.speechRejection.toFixed(1) : '-'})`,
        oursSpeechRejection,
        'dB',
        atLeast(60, 'dB'),
      ),
      figure(
        `resampler.${c.key}.speed.speech`,
        `${label}: speed on speech, x real time per core (ours; sox ${soxFigures ? soxFigures.speechRealTime.toFixed(0) : '-'})`,
        realTime(oursSpeechMs),
        'x',
        atLeast(200, 'x'),
      ),
      figure(
        `resampler.${c.key}.speed.sweep`,
        `${label}: speed on the sweep, x real time per core (ours; sox ${soxFigures ? soxFigures.sweepRealTime.toFixed(0) : '-'})`,
        realTime(oursSweepMs),
        'x',
        atLeast(200, 'x'),
      ),
      figure(
        `resampler.${c.key}.samplesPerSecond`,
        `${label}: input samples per CPU second (ours)`,
        (c.from * speedSeconds) / (oursSpeechMs / 1000),
        'samples/s',
      ),
    );
    detail[c.key] = {
      ours: {
        passbandVsInputDb: oursSweep.passbandVsIdealDb,
        rejectionSweepDb: oursSweep.rejectionDb,
        rejectionSpeechDb: oursSpeechRejection,
        speechRealTime: realTime(oursSpeechMs),
        sweepRealTime: realTime(oursSweepMs),
      },
      sox: soxFigures
        ? {
            passbandVsInputDb: soxFigures.sweep.passbandVsIdealDb,
            rejectionSweepDb: soxFigures.sweep.rejectionDb,
            rejectionSpeechDb: soxFigures.speechRejection,
            speechRealTime: soxFigures.speechRealTime,
            sweepRealTime: soxFigures.sweepRealTime,
          }
        : null,
      bandsDb: Object.fromEntries(oursBands),
    };
    log(`resampler: ${label} done`);
  }
  return { name: 'resampler', title: '3. Resampler quality and speed against sox', figures, notes, detail };
};

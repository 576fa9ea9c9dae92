/**
 * 2. Cost per conversation: CPU time of the full-duplex signal path per second of audio, in process.
 *   receive: Opus decode of one speaker -> 48 kHz stereo to 16 kHz mono -> endpointing (SpeakerListener, as the
 *            bot runs it, fed the speech fixtures as Discord packets with their natural pauses);
 *   send:    the model's 24 kHz mono reply -> 48 kHz stereo behind the jitter buffer (ReplyAudio) -> Opus encode
 *            (OpusEncodingReader, what GuildVoice hands to @discordjs/voice), streamed in 80 ms chunks.
 * A conversation costs both directions at once (someone speaking while the bot answers is the worst case), so
 * conversations per core = 1000 / (receive + send ms of CPU per second). Each stage is also timed alone.
 * Opus is whatever src/audio/opus.ts loads: opusscript here; the native module in a child process whose
 * NODE_PATH points at bench/.native, when it loads.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { concatSamples } from '../src/audio/pcm.ts';
import { OpusDecoder, OpusEncoder, OpusEncodingReader, opusBackend } from '../src/audio/opus.ts';
import { createDiscordToModel, createModelToDiscord } from '../src/audio/pipelines.ts';
import { Resampler } from '../src/audio/resample.ts';
import { ReplyAudio } from '../src/playback/ReplyAudio.ts';
import { createSpeechDetector } from '../src/receive/detector.ts';
import { SpeakerListener } from '../src/receive/SpeakerListener.ts';
import { atLeast, figure, type Figure, type Section } from './lib/figures.ts';
import { nativeOpusStatus } from './lib/native.ts';
import { median } from './lib/stats.ts';
import { cleanSpeechFixtures, fixtureSamples, toDiscordPcm } from '../test/support/speechPieces.ts';
import { encodeOpusFrames } from '../test/sim/speech.ts';

const GOAL_PER_CORE = 50;
const CHUNK_24K = 1920; // 80 ms, as the model streams
const DETECTOR_SETTINGS = { silenceMs: 700, maxUtteranceMs: 60_000 };

interface BackendCost {
  readonly backend: string;
  /** ms of CPU per second of audio. */
  readonly stages: { decode: number; resample48to16: number; endpointing: number; resample24to48: number; encode: number };
  readonly receivePath: number;
  readonly sendPath: number;
  readonly conversationsPerCore: number;
}

/** `seconds` of speech at 16 kHz: the clean fixtures back to back (pauses included), repeated as needed. */
function speech16k(seconds: number): Int16Array {
  const all = concatSamples(cleanSpeechFixtures().map(fixtureSamples));
  const out = new Int16Array(seconds * 16_000);
  for (let offset = 0; offset < out.length; offset += all.length) out.set(all.subarray(0, Math.min(all.length, out.length - offset)), offset);
  return out;
}

function cpuMsOf(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function cpuMsOfAsync(work: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Median of `runs` timings after one warm-up run (JIT), in ms of CPU per second of audio. */
async function perSecond(seconds: number, runs: number, work: () => number | Promise<number>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await work());
  return median(times) / seconds;
}

export async function measureBackend(seconds: number, runs: number): Promise<BackendCost> {
  const speech = speech16k(seconds);
  const discordPcm = toDiscordPcm(speech);
  const packets = encodeOpusFrames(discordPcm);
  const frames = packets.map((_, k) => discordPcm.subarray(k * 1920, (k + 1) * 1920)).filter((frame) => frame.length === 1920);
  const up = new Resampler({ fromRate: 16_000, toRate: 24_000 });
  const reply24k = concatSamples([up.process(speech), up.flush()]);
  const mono16kFrames: Int16Array[] = [];
  {
    const converter = createDiscordToModel();
    for (const frame of frames) mono16kFrames.push(converter.push(frame));
  }

  const decode = await perSecond(seconds, runs, () => {
    const decoder = new OpusDecoder();
    const ms = cpuMsOf(() => {
      for (const packet of packets) decoder.decode(packet);
    });
    decoder.destroy();
    return ms;
  });
  const resample48to16 = await perSecond(seconds, runs, () => {
    const converter = createDiscordToModel();
    return cpuMsOf(() => {
      for (const frame of frames) converter.push(frame);
    });
  });
  const endpointing = await perSecond(seconds, runs, () => {
    const detector = createSpeechDetector(DETECTOR_SETTINGS);
    return cpuMsOf(() => {
      for (const chunk of mono16kFrames) detector.push(chunk);
    });
  });
  const resample24to48 = await perSecond(seconds, runs, () => {
    const converter = createModelToDiscord();
    return cpuMsOf(() => {
      for (let offset = 0; offset < reply24k.length; offset += CHUNK_24K) converter.push(reply24k.subarray(offset, offset + CHUNK_24K));
    });
  });
  const encode = await perSecond(seconds, runs, () => {
    const encoder = new OpusEncoder();
    const ms = cpuMsOf(() => {
      for (const frame of frames) encoder.encode(frame);
    });
    encoder.destroy();
    return ms;
  });

  // The whole receive path as the bot runs it: packets with RTP timestamps through one SpeakerListener.
  const receivePath = await perSecond(seconds, runs, () => {
    const listener = new SpeakerListener({ detector: createSpeechDetector(DETECTOR_SETTINGS), onSpeechStart: () => {}, onUtterance: () => {} });
    const ms = cpuMsOf(() => {
      for (let k = 0; k < packets.length; k++) listener.onPacket(packets[k]!, { ssrc: 1, sequence: k & 0xffff, timestamp: k * 960 }, k * 20);
      listener.flush();
    });
    listener.destroy();
    return ms;
  });
  // The whole send path: model chunks into ReplyAudio, its byte stream read as Opus packets.
  const sendPath = await perSecond(seconds, runs, () =>
    cpuMsOfAsync(async () => {
      const reply = new ReplyAudio({ jitterMs: 100 });
      const encoder = new OpusEncodingReader(reply.readable);
      let count = 0;
      encoder.on('data', () => count++);
      for (let offset = 0; offset < reply24k.length; offset += CHUNK_24K) {
        reply.push(reply24k.subarray(offset, offset + CHUNK_24K));
        // Let the streams move, as arriving network chunks would.
        if ((offset / CHUNK_24K) % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
      }
      reply.end();
      await finished(encoder);
      if (count < seconds * 50 - 2) throw new Error(`only ${count} packets encoded`);
    }),
  );
  return {
    backend: opusBackend(),
    stages: { decode, resample48to16, endpointing, resample24to48, encode },
    receivePath,
    sendPath,
    conversationsPerCore: 1000 / (receivePath + sendPath),
  };
}

function figuresFor(cost: BackendCost, key: string, goal: boolean): Figure[] {
  const label = cost.backend;
  return [
    figure(
      `cost.${key}.conversationsPerCore`,
      `conversations per core (${label})`,
      cost.conversationsPerCore,
      '',
      goal ? atLeast(GOAL_PER_CORE, '') : undefined,
    ),
    figure(`cost.${key}.receivePath`, `receive path CPU per s of audio (${label})`, cost.receivePath, 'ms/s'),
    figure(`cost.${key}.sendPath`, `send path CPU per s of audio (${label})`, cost.sendPath, 'ms/s'),
    ...Object.entries(cost.stages).map(([stage, value]) => figure(`cost.${key}.stage.${stage}`, `  stage ${stage} (${label})`, value, 'ms/s')),
  ];
}

export const run: Section = async ({ smoke, log, args }) => {
  const seconds = smoke ? 5 : 60;
  const runs = smoke ? 1 : 3;
  const own = await measureBackend(seconds, runs);
  if (args.backendOnly) return { name: 'cost', title: '', figures: [], notes: [], detail: { cost: own } };
  log(`cost: ${own.backend}: ${own.conversationsPerCore.toFixed(0)} conversations per core`);

  const notes = [
    `${seconds} s of the clean speech fixtures each way (pauses included), median of ${runs} runs after a warm-up; CPU is process.cpuUsage (user + system, all threads).`,
    'Conversations per core = 1000 / (receive + send path ms per s): both directions at once, the worst case; the stages are timed alone and add up to a little less than the paths (stream and buffer overhead).',
  ];
  let native: BackendCost | undefined;
  const status = nativeOpusStatus();
  if (own.backend === '@discordjs/opus') {
    notes.push('@discordjs/opus is installed in the project, so the figures above are native; opusscript was not measured.');
  } else if (!status.available) {
    notes.push(`Native Opus (@discordjs/opus): skipped: ${status.reason}.`);
  } else {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-cost-')), 'native.json');
    execFileSync(process.execPath, [new URL('lib/child.ts', import.meta.url).pathname, 'cost', out, ...(smoke ? ['--smoke'] : []), '--backendOnly'], {
      env: { ...process.env, NODE_PATH: status.nodePath ?? '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    native = (JSON.parse(readFileSync(out, 'utf8')) as { detail: { cost: BackendCost } }).detail.cost;
    log(`cost: ${native.backend}: ${native.conversationsPerCore.toFixed(0)} conversations per core`);
    notes.push(`Native Opus: @discordjs/opus from ${status.where}, loaded through NODE_PATH in a child process (the product code path is the same).`);
  }
  const figures = [...figuresFor(own, 'opusscript', true)];
  if (native) figures.push(...figuresFor(native, 'native', false));
  else
    figures.push(
      figure(
        'cost.native.conversationsPerCore',
        'conversations per core (@discordjs/opus)',
        null,
        '',
        undefined,
        status.available ? undefined : `skipped: ${status.available ? '' : status.reason}`,
      ),
    );
  return {
    name: 'cost',
    title: '2. Cost per conversation: full-duplex signal path, CPU per second of audio',
    figures,
    notes,
    detail: { seconds, runs, opusscript: own, native: native ?? (status.available ? null : { skipped: status.reason }) },
  };
};

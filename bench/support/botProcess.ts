/**
 * The bot as its own process for the scale benchmark: built exactly as `npm start` builds it, configured
 * only by the environment, plus a measuring hook over IPC. The simulator and the fake model live in the
 * parent, so this process's CPU and event loop are the bot's alone.
 *   parent -> {type: 'start'}  begin a measurement window
 *   parent -> {type: 'stop'}   end it; answers {type: 'window', cpuMs, wallMs, eventLoop: {...}, memory}
 *   parent -> {type: 'exit'}   stop the bot and exit
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { createBot } from '../../src/bot.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/log.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';
import { opusBackend } from '../../src/audio/opus.ts';

const loaded = loadConfig(process.env, { discord: true, omni: true });
const config = { ...loaded, discord: loaded.discord!, omni: loaded.omni! };
const log = createLogger(config.logLevel);
const bot = createBot(config, log, createSpeechDetector);
const send = (message: object): void => void process.send!(message);

let window: { cpu: NodeJS.CpuUsage; at: number; histogram: IntervalHistogram } | undefined;
/** Sampling interval of the delay histogram; Node records whole intervals, so the delay is the excess over it. */
const RESOLUTION_MS = 10;
const ms = (ns: number): number => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(2));

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    window = { cpu: process.cpuUsage(), at: performance.now(), histogram };
  } else if (message.type === 'stop' && window) {
    const { cpu, at, histogram } = window;
    histogram.disable();
    const used = process.cpuUsage(cpu);
    const memory = process.memoryUsage();
    send({
      type: 'window',
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - at,
      eventLoop: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) },
      memory: { rssMiB: memory.rss / 2 ** 20, heapUsedMiB: memory.heapUsed / 2 ** 20, externalMiB: memory.external / 2 ** 20 },
    });
    window = undefined;
  } else if (message.type === 'exit') {
    void bot.stop().finally(() => process.exit(0));
  }
});

await bot.start();
send({ type: 'ready', opus: opusBackend() });

/**
 * A whole world for end-to-end scenarios: the Discord simulator, the fake Qwen-Omni service, and the real
 * bot (createBot, as `npm start` builds it) pointed at both through its settings, with its own data folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot, type Bot, type BotConfig } from '../../src/bot.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/log.ts';
import { createSpeechDetector, type DetectorSettings } from '../../src/receive/detector.ts';
import type { SpeechDetector } from '../../src/receive/SpeakerListener.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../sim/simulator.ts';
import { trustSimCA } from '../sim/tls.ts';
import { withTimeout } from '../sim/waiters.ts';

/** A bot that has not logged in by then is stuck: fail with a message instead of holding the test. */
const START_TIMEOUT_MS = 30_000;

export interface World {
  readonly sim: Simulator;
  readonly fake: FakeOmni;
  readonly config: BotConfig;
  readonly bot: Bot;
  /** Stops the bot and starts a new one on the same data folder, as a process restart would. */
  restartBot(): Promise<Bot>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly sim?: SimulatorOptions;
  /** Extra environment settings for the bot (e.g. SILENCE_MS). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The bot's speech detector per speaker (default the product's); benchmarks wrap it to time detections.
   * Only the main thread's voice path uses it, so giving one sets VOICE_WORKERS=0 unless `voiceWorkers` says otherwise.
   */
  readonly createDetector?: (settings: DetectorSettings) => SpeechDetector;
  /** VOICE_WORKERS for the bot: 0 = voice on the main thread (default DEFAULT_VOICE_WORKERS). */
  readonly voiceWorkers?: number;
}

/** Several workers, whatever the machine: the scenarios' default mode. */
export const DEFAULT_VOICE_WORKERS = 2;
/** The modes the main voice scenarios run in: workers off, one, several. */
export const VOICE_WORKER_MODES = [0, 1, 2] as const;

/** A test name's suffix for a worker mode. */
export function workersLabel(workers: number): string {
  return workers === 0 ? 'voice on the main thread' : `${workers} voice worker${workers === 1 ? '' : 's'}`;
}

/** The environment the bot would get from `.env` in this world. */
export function botEnvironment(sim: Simulator, fake: FakeOmni, dataDir: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: sim.botToken,
    DISCORD_API_URL: sim.restURL,
    DASHSCOPE_API_KEY: 'test-key',
    DASHSCOPE_BASE_URL: fake.baseURL,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.SIM_VERBOSE ? 'debug' : 'silent',
    JITTER_BUFFER_MS: '100',
    ...extra,
  };
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  trustSimCA();
  const sim = await startSimulator(options.sim);
  const fake = await startFakeOmni({ realtime: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'omni-bot-data-'));
  const voiceWorkers = options.voiceWorkers ?? (options.createDetector ? 0 : DEFAULT_VOICE_WORKERS);
  const env = botEnvironment(sim, fake, dataDir, { VOICE_WORKERS: String(voiceWorkers), ...options.env });
  const loaded = loadConfig(env, { discord: true, omni: true });
  const config: BotConfig = { ...loaded, discord: loaded.discord!, omni: loaded.omni! };
  const log = createLogger(config.logLevel);
  const createDetector = options.createDetector ?? createSpeechDetector;
  let bot = createBot(config, log, createDetector);
  await withTimeout(bot.start(), START_TIMEOUT_MS, 'the bot to start (log in to the simulated gateway)');
  return {
    sim,
    fake,
    config,
    get bot() {
      return bot;
    },
    async restartBot() {
      await bot.stop();
      bot = createBot(config, log, createDetector);
      await withTimeout(bot.start(), START_TIMEOUT_MS, 'the restarted bot to start');
      return bot;
    },
    async close() {
      await bot.stop();
      await sim.close();
      await fake.close();
    },
  };
}

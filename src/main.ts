/**
 * `npm start`: load settings, open the store, log in, serve until SIGINT / SIGTERM. With SHARD_COUNT set
 * this process supervises one bot process per shard instead (src/sharding), each of which runs this file.
 */
import { createBot } from './bot.ts';
import { EXIT_CONFIG, loadConfigOrExit } from './config/load.ts';
import { BotError, ConfigError } from './errors.ts';
import { createLogger } from './log.ts';
import { createSpeechDetector } from './receive/detector.ts';
import { resolveShardPlan } from './sharding/shardPlan.ts';
import { ShardSupervisor } from './sharding/ShardSupervisor.ts';
import { StoreError } from './store/StoreError.ts';

const config = loadConfigOrExit({ discord: true, omni: true }, 'start the bot');
// discord.js's ShardingManager starts each shard process with SHARDING_MANAGER and SHARDS in its environment.
const shardId = process.env.SHARDING_MANAGER ? Number(process.env.SHARDS) : undefined;
const log = shardId === undefined ? createLogger(config.logLevel) : createLogger(config.logLevel).child({ shard: shardId });
if (config.sharding && shardId === undefined) await superviseShards();

/** The supervisor's whole life: plan the shards, start them, stop them on a signal. */
async function superviseShards(): Promise<never> {
  const discord = config.discord!;
  let supervisor: ShardSupervisor;
  try {
    const plan = await resolveShardPlan(config.sharding!, discord);
    supervisor = new ShardSupervisor(plan, discord.token, log);
  } catch (error) {
    const reason = error instanceof BotError ? (error instanceof ConfigError ? error.problems.join(' ') : error.userMessage) : (error as Error).message;
    process.stderr.write(`Cannot start the shards: ${reason}\n`);
    process.exit(EXIT_CONFIG);
  }
  let stopping = false;
  // A stop signal can come twice (the process group and the service manager): the second must not kill mid-stop.
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down every shard');
    await supervisor.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await supervisor.start();
  // Serve until a signal: the shard processes do the work.
  return new Promise<never>(() => {});
}

const bot = createBot({ ...config, discord: config.discord!, omni: config.omni! }, log, createSpeechDetector);

// One bad event must never take the bot down for every other server.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

const SHUTDOWN_LIMIT_MS = 5_000;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  // Leaving every channel and ending the voice workers takes well under this; never hang a supervisor.
  setTimeout(() => process.exit(0), SHUTDOWN_LIMIT_MS).unref();
  await bot.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  await bot.start();
} catch (error) {
  // Bad token, damaged or locked database: a clear sentence and the settings exit code, so a supervisor
  // configured not to restart on code 2 does not loop.
  if (error instanceof BotError) {
    // A store error's message is written for the operator (path, what to do); its userMessage for Discord.
    process.stderr.write(`Cannot start the bot: ${error instanceof StoreError ? error.message : error.userMessage}\n`);
    await bot.stop().catch(() => {});
    process.exit(EXIT_CONFIG);
  }
  log.fatal({ err: error }, 'could not start');
  process.exit(1);
}

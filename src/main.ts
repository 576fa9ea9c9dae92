/** `npm start`: load settings, open the store, log in, serve until SIGINT / SIGTERM. */
import { createBot } from './bot.ts';
import { EXIT_CONFIG, loadConfigOrExit } from './config/load.ts';
import { BotError } from './errors.ts';
import { createLogger } from './log.ts';
import { createSpeechDetector } from './receive/detector.ts';
import { StoreError } from './store/StoreError.ts';

const config = loadConfigOrExit({ discord: true, omni: true }, 'start the bot');
const log = createLogger(config.logLevel);
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
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

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

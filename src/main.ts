/** `npm start`: load settings, log in, serve until SIGINT / SIGTERM. */
import { createBot, InvalidDiscordTokenError } from './bot.ts';
import { EXIT_CONFIG, loadConfigOrExit } from './config/load.ts';
import { createLogger } from './log.ts';

const config = loadConfigOrExit({ discord: true, omni: true }, 'start the bot');
const log = createLogger(config.logLevel);
const bot = createBot({ ...config, discord: config.discord! }, log);

// One bad event must never take the bot down for every other server.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await bot.stop();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

try {
  await bot.start();
} catch (error) {
  if (error instanceof InvalidDiscordTokenError) {
    process.stderr.write(`Cannot start the bot: ${error.userMessage}\n`);
    process.exit(EXIT_CONFIG);
  }
  log.fatal({ err: error }, 'could not start');
  process.exit(1);
}

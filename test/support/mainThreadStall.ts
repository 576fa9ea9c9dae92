/**
 * Loaded into the bot process with `node --import` by the scale benchmark and the main-thread stall scenario.
 * On SIGUSR2 it starts holding the bot's MAIN thread in a busy loop for MAIN_THREAD_STALL_MS every
 * MAIN_THREAD_STALL_EVERY_MS (a synchronous stall, as a long GC, a big JSON parse or a slow synchronous call
 * would); the next SIGUSR2 stops it. Nothing in the bot knows. Each stall is appended to MAIN_THREAD_STALL_LOG
 * as `<start> <end>` in ms since the epoch (performance.timeOrigin + now), so a reader can tell what a stall
 * overlapped. Worker threads (which inherit --import) are left alone.
 */
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const stallMs = Number(process.env.MAIN_THREAD_STALL_MS ?? 0);
const everyMs = Number(process.env.MAIN_THREAD_STALL_EVERY_MS ?? 0);
const logFile = process.env.MAIN_THREAD_STALL_LOG;

if (isMainThread && stallMs > 0 && everyMs > 0) {
  let timer: NodeJS.Timeout | undefined;
  process.on('SIGUSR2', () => {
    if (timer) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    timer = setInterval(() => {
      const start = performance.now();
      while (performance.now() - start < stallMs);
      if (logFile) appendFileSync(logFile, `${performance.timeOrigin + start} ${performance.timeOrigin + performance.now()}\n`);
    }, everyMs);
  });
}

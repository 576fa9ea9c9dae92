/**
 * "Bot is typing…" until the first words of an answer appear. Discord shows one typing trigger for about
 * 10 s, so a slow download or a 12 s answer needs it renewed, and it must stop once text is on screen.
 */

import type { MessageSink } from './StreamingReply.ts';

/** Renew before Discord's ~10 s display runs out, with room for the request's own latency (ms). */
export const TYPING_RENEW_MS = 8_000;
/** Never type for longer than this (ms): every step before the first words has its own, shorter timeout. */
export const TYPING_MAX_MS = 120_000;

export interface Typing {
  /** Stops renewing; safe to call more than once. */
  stop(): void;
}

/** Sends the typing trigger now and every TYPING_RENEW_MS until `stop()` (or TYPING_MAX_MS). */
export function keepTyping(send: () => Promise<unknown>): Typing {
  const fire = (): void => void send().catch(() => {});
  fire();
  const renew = setInterval(fire, TYPING_RENEW_MS);
  const limit = setTimeout(() => clearInterval(renew), TYPING_MAX_MS);
  return {
    stop() {
      clearInterval(renew);
      clearTimeout(limit);
    },
  };
}

/** `sink`, stopping `typing` as the first message of the answer is sent (the words now show the bot is busy). */
export function untilFirstWords(sink: MessageSink, typing: Typing): MessageSink {
  return {
    ...(sink.writes ? { writes: sink.writes } : {}),
    create(content, index) {
      typing.stop();
      return sink.create(content, index);
    },
  };
}

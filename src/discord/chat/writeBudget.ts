/**
 * How many messages the bot writes (creates and edits) per channel: Discord allows about 5 per 5 s, and a burst
 * past that earns 429s that stall every reply in the channel. Writers wait for a slot instead; a streamed
 * answer that waits writes its latest text when its turn comes, so its edits coalesce.
 */

/** A budget of writes; `take` resolves when one may be made now. */
export interface WriteSlots {
  take(): Promise<void>;
}

export interface WindowOptions {
  /** Writes allowed in any window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Injected for tests; defaults to performance.now (monotonic). */
  readonly now?: () => number;
}

/** Discord's per-channel message rate: 5 writes per 5 s. */
export const CHANNEL_WRITES = { limit: 5, windowMs: 5_000 } as const satisfies WindowOptions;

/** At most `limit` takes in any `windowMs`; waiters are served in order. */
export class SlidingWindowLimiter implements WriteSlots {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** When the writes in the current window were made, oldest first. */
  readonly #stamps: number[] = [];
  readonly #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WindowOptions) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? (() => performance.now());
  }

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#serve();
    });
  }

  /** Whether nothing is waiting and the window holds no writes (the limiter can be dropped). */
  get idle(): boolean {
    this.#expire();
    return this.#waiting.length === 0 && this.#stamps.length === 0;
  }

  #expire(): void {
    const now = this.#now();
    while (this.#stamps.length > 0 && this.#stamps[0]! <= now - this.#windowMs) this.#stamps.shift();
  }

  #serve(): void {
    this.#expire();
    while (this.#waiting.length > 0 && this.#stamps.length < this.#limit) {
      this.#stamps.push(this.#now());
      this.#waiting.shift()!();
    }
    if (this.#waiting.length > 0 && !this.#timer) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#serve();
        },
        Math.max(0, this.#stamps[0]! + this.#windowMs - this.#now()),
      );
    }
  }
}

/** One limiter per channel, made on first use and dropped once idle. */
export class ChannelWriteLimits {
  readonly #byChannel = new Map<string, SlidingWindowLimiter>();
  readonly #options: WindowOptions;

  constructor(options: WindowOptions = CHANNEL_WRITES) {
    this.#options = options;
  }

  forChannel(channelId: string): WriteSlots {
    for (const [id, limiter] of this.#byChannel) if (id !== channelId && limiter.idle) this.#byChannel.delete(id);
    let limiter = this.#byChannel.get(channelId);
    if (!limiter) {
      limiter = new SlidingWindowLimiter(this.#options);
      this.#byChannel.set(channelId, limiter);
    }
    return limiter;
  }
}

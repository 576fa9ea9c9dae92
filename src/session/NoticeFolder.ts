/**
 * Notices for one server's chat, at most one message per interval so a failing model cannot flood it.
 * What comes inside an interval is not dropped: it is folded into one message at the interval's end, each
 * different notice once with how many times it happened, so everyone who spoke still gets a sign.
 */
export class NoticeFolder {
  readonly #post: (text: string) => void;
  readonly #intervalMs: number;
  /** Notices held in the current interval, by text, with their counts (in arrival order). */
  readonly #held = new Map<string, number>();
  #interval: NodeJS.Timeout | undefined;

  constructor(post: (text: string) => void, intervalMs: number) {
    this.#post = post;
    this.#intervalMs = intervalMs;
  }

  notify(text: string): void {
    if (this.#interval) {
      this.#held.set(text, (this.#held.get(text) ?? 0) + 1);
      return;
    }
    this.#post(text);
    this.#startInterval();
  }

  /** Drops anything held (the conversation is over). */
  dispose(): void {
    clearTimeout(this.#interval);
    this.#interval = undefined;
    this.#held.clear();
  }

  #startInterval(): void {
    this.#interval = setTimeout(() => this.#flush(), this.#intervalMs);
    // A notice still to come must not keep a stopping process alive.
    this.#interval.unref?.();
  }

  #flush(): void {
    this.#interval = undefined;
    if (this.#held.size === 0) return;
    const seconds = Math.round(this.#intervalMs / 1000);
    const lines = [...this.#held].map(([text, count]) => (count > 1 ? `${text} (${count} times in the last ${seconds} s)` : text));
    this.#held.clear();
    this.#post(lines.join('\n'));
    this.#startInterval();
  }
}

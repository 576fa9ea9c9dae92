/**
 * A text answer that appears as it streams: one message edited at a calm rate (Discord allows about five
 * edits per five seconds per channel, which the channel's write budget enforces), continued in further
 * messages past 2,000 characters.
 */
import type { WriteSlots } from './writeBudget.ts';

/** Where the pieces go: the first message, then any continuations. */
export interface MessageSink {
  create(content: string, index: number): Promise<{ edit(content: string): Promise<void> }>;
  /** The write budget of the channel the messages go to, when it has one. */
  readonly writes?: WriteSlots;
}

export interface StreamingReplyOptions {
  /** At most one round of edits per this many ms while streaming. */
  readonly editIntervalMs?: number;
  readonly maxLength?: number;
  /** Lines shown above the answer (notes about left-out files); not part of `text`. */
  readonly prefix?: string;
  /** The channel's write budget (default the sink's): each create or edit waits for a slot (see writeBudget.ts). */
  readonly writes?: WriteSlots;
}

const DEFAULTS = { editIntervalMs: 1_200, maxLength: 2_000, prefix: '' } as const;

/** Splits `text` into pieces of at most `max` characters, preferring line, then word boundaries. */
export function splitMessage(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > max / 2 ? cut : max;
    pieces.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

export class StreamingReply {
  readonly #sink: MessageSink;
  readonly #options: Required<Omit<StreamingReplyOptions, 'writes'>> & Pick<StreamingReplyOptions, 'writes'>;
  readonly #messages: Array<{ handle: { edit(content: string): Promise<void> }; content: string }> = [];
  #text = '';
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** A flush is queued or running: appends wait for it instead of queueing more. */
  #flushPending = false;
  #lastFlushAt = -Infinity;
  /** finish() is writing the final text: flushes ending meanwhile schedule no more (appends after it may). */
  #finishing = false;

  constructor(sink: MessageSink, options: StreamingReplyOptions = {}) {
    this.#sink = sink;
    const writes = options.writes ?? sink.writes;
    this.#options = { ...DEFAULTS, ...options, ...(writes ? { writes } : {}) };
  }

  get text(): string {
    return this.#text;
  }

  /** Adds streamed text; the messages catch up at the next edit slot. */
  append(text: string): void {
    this.#text += text;
    this.#schedule();
  }

  /** Writes the final text (optionally replacing it) and resolves once every message shows it. */
  async finish(finalText?: string): Promise<void> {
    if (finalText !== undefined) this.#text = finalText;
    this.#finishing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      await this.#flush();
    } finally {
      this.#finishing = false;
    }
  }

  #schedule(): void {
    if (this.#timer || this.#flushPending || this.#finishing) return;
    const wait = Math.max(0, this.#lastFlushAt + this.#options.editIntervalMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed write is reported by finish(), which awaits the same chain; here it must not go unhandled.
      this.#flush().catch(() => {});
    }, wait);
  }

  #flush(): Promise<void> {
    this.#flushPending = true;
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.#write();
      } finally {
        this.#flushPending = false;
      }
      // Text that arrived while this flush waited for a slot goes out at the next edit slot.
      if (!this.#upToDate()) this.#schedule();
    });
    return this.#flushing;
  }

  #display(): string {
    return `${this.#options.prefix}${this.#text.trim() || (this.#options.prefix ? '' : '…')}`.trim() || '…';
  }

  #upToDate(): boolean {
    return splitMessage(this.#display(), this.#options.maxLength).every((piece, index) => this.#messages[index]?.content === piece);
  }

  /** Brings every message up to date, one budgeted write at a time, always writing the latest text. */
  async #write(): Promise<void> {
    this.#lastFlushAt = performance.now();
    for (let index = 0; ; index++) {
      const wanted = splitMessage(this.#display(), this.#options.maxLength)[index];
      if (wanted === undefined) return;
      if (this.#messages[index]?.content === wanted) continue;
      await this.#options.writes?.take();
      // The answer may have grown while this write waited for its slot.
      const content = splitMessage(this.#display(), this.#options.maxLength)[index] ?? wanted;
      const existing = this.#messages[index];
      if (!existing) this.#messages.push({ handle: await this.#sink.create(content, index), content });
      else if (existing.content !== content) {
        await existing.handle.edit(content);
        existing.content = content;
      }
    }
  }
}

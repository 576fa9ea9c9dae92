/**
 * A text answer that appears as it streams: one message edited at a calm rate (Discord allows about five
 * edits per five seconds per channel), continued in further messages past 2,000 characters.
 */

/** Where the pieces go: the first message, then any continuations. */
export interface MessageSink {
  create(content: string, index: number): Promise<{ edit(content: string): Promise<void> }>;
}

export interface StreamingReplyOptions {
  /** At most one round of edits per this many ms while streaming. */
  readonly editIntervalMs?: number;
  readonly maxLength?: number;
}

const DEFAULTS = { editIntervalMs: 1_200, maxLength: 2_000 } as const;

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
  readonly #options: Required<StreamingReplyOptions>;
  readonly #messages: Array<{ handle: { edit(content: string): Promise<void> }; content: string }> = [];
  #text = '';
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #lastFlushAt = -Infinity;

  constructor(sink: MessageSink, options: StreamingReplyOptions = {}) {
    this.#sink = sink;
    this.#options = { ...DEFAULTS, ...options };
  }

  get text(): string {
    return this.#text;
  }

  /** Adds streamed text; the messages catch up at the next edit slot. */
  append(text: string): void {
    this.#text += text;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastFlushAt + this.#options.editIntervalMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, wait);
  }

  /** Writes the final text (optionally replacing it) and resolves once every message shows it. */
  async finish(finalText?: string): Promise<void> {
    if (finalText !== undefined) this.#text = finalText;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
  }

  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      this.#lastFlushAt = performance.now();
      const pieces = splitMessage(this.#text.trim() || '…', this.#options.maxLength);
      for (const [index, content] of pieces.entries()) {
        const existing = this.#messages[index];
        if (!existing) {
          this.#messages.push({ handle: await this.#sink.create(content, index), content });
        } else if (existing.content !== content) {
          await existing.handle.edit(content);
          existing.content = content;
        }
      }
    });
    return this.#flushing;
  }
}

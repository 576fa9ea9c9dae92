/**
 * A voice channel's conversation, kept as the model will see it: who said what (as audio, for the newest
 * turns) and what the bot actually got to say. Trimmed to the model's input budget with the client's
 * token estimates: older speech becomes a short placeholder, the oldest turns go first.
 */
import type { OmniModel } from '../omni/catalogue.ts';
import type { MediaInput } from '../omni/media.ts';
import type { Turn } from '../omni/request.ts';
import { messageTokens, textTokens } from '../omni/tokens.ts';

export interface SpokenTurn {
  readonly role: 'user';
  readonly speakerName: string;
  /** The text part sent with the speech (it names the speaker). */
  readonly text: string;
  readonly speech: Extract<MediaInput, { kind: 'audio' }>;
}

export interface AssistantTurn {
  readonly role: 'assistant';
  readonly text: string;
}

export type HistoryEntry = SpokenTurn | AssistantTurn;

export interface HistoryOptions {
  /** How many of the newest spoken turns keep their audio; older ones become placeholders. */
  readonly audioTurns: number;
  /** Hard cap on remembered entries, so memory stays flat in a long session. */
  readonly maxEntries: number;
}

export const HISTORY_DEFAULTS = { audioTurns: 2, maxEntries: 40 } as const satisfies HistoryOptions;

/** What replaces speech that is no longer sent as audio. */
export function placeholderFor(turn: SpokenTurn): string {
  return `${turn.text} (${turn.speakerName} spoke for ${Math.max(1, Math.round(turn.speech.seconds))} s; the audio is no longer available.)`;
}

/** Marks a reply that was cut off, so the model knows the listener did not hear the rest. */
export const INTERRUPTED_MARK = ' [interrupted]';

// Typical speaking rates, to estimate how long a text takes to say before all of its audio has arrived.
const LATIN_CHARS_PER_SECOND = 15;
const CJK_CHARS_PER_SECOND = 4.5;
const CJK_CHAR = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/gu;

/** Roughly how long `text` takes to speak (ms). */
export function estimatedSpeechMs(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  return ((text.length - cjk) / LATIN_CHARS_PER_SECOND + cjk / CJK_CHARS_PER_SECOND) * 1000;
}

/** The part of `text` that was heard after `playedMs` of `totalMs`, cut at a word boundary. */
export function heardPart(text: string, playedMs: number, totalMs: number): string {
  if (totalMs <= 0 || playedMs >= totalMs) return text;
  if (playedMs <= 0) return '';
  const cut = Math.floor(text.length * (playedMs / totalMs));
  const boundary = text.lastIndexOf(' ', cut);
  return text.slice(0, boundary > 0 ? boundary : cut).trimEnd();
}

export class History {
  readonly #entries: HistoryEntry[] = [];
  readonly #options: HistoryOptions;

  constructor(options: Partial<HistoryOptions> = {}) {
    this.#options = { ...HISTORY_DEFAULTS, ...options };
  }

  get entries(): readonly HistoryEntry[] {
    return this.#entries;
  }

  add(entry: HistoryEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#options.maxEntries) this.#entries.splice(0, this.#entries.length - this.#options.maxEntries);
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /**
   * The history plus `next` as request turns within `budgetTokens` (after `reservedTokens` for the
   * system prompt). `next` is always sent whole; history fills the rest, newest first.
   */
  toTurns(next: SpokenTurn, model: OmniModel, budgetTokens: number, reservedTokens = 0): Turn[] {
    const toTurn = (entry: HistoryEntry, withAudio: boolean): Turn =>
      entry.role === 'assistant'
        ? { role: 'assistant', text: entry.text }
        : withAudio
          ? { role: 'user', text: entry.text, media: entry.speech }
          : { role: 'user', text: placeholderFor(entry) };
    const cost = (turn: Turn): number => (turn.role === 'assistant' ? textTokens(turn.text) + 4 : messageTokens(turn, model));

    const nextTurn = toTurn(next, true);
    let remaining = budgetTokens - reservedTokens - cost(nextTurn);
    const kept: Turn[] = [];
    let audioLeft = this.#options.audioTurns;
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i]!;
      let turn = toTurn(entry, entry.role === 'user' && audioLeft > 0);
      if (cost(turn) > remaining && turn.role === 'user' && 'media' in turn) turn = toTurn(entry, false);
      if (cost(turn) > remaining) break;
      if (entry.role === 'user' && turn.role === 'user' && 'media' in turn && turn.media) audioLeft--;
      remaining -= cost(turn);
      kept.unshift(turn);
    }
    // The conversation sent must open with a user turn.
    while (kept[0]?.role === 'assistant') kept.shift();
    return [...kept, nextTurn];
  }
}

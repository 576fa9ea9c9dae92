/**
 * Speculative requests (preemptive generation): a turn may be started when its speaker has only been quiet
 * for a moment, before the silence window closes. Such a turn is *pending*: its request is the one a
 * committed turn would send, but nothing of its reply plays, nothing enters history and its usage is held
 * until the window closes (commit) or the speaker goes on (drop). A dropped request still cost its input:
 * `wastedUsage` estimates it when the model never reported usage, so the ledger and caps stay honest.
 */
import type { OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import { mediaTokens, messageTokens, textTokens } from '../omni/tokens.ts';

/** Whether a turn's reply may be played: settled true when committed, false when dropped. */
export class Commitment {
  #state: 'pending' | 'committed' | 'dropped';
  #settle: (committed: boolean) => void = () => {};
  /** Resolves true once committed, false once dropped; never rejects. */
  readonly settled: Promise<boolean>;

  /** A commitment for a turn that is committed from the start (an ordinary turn). */
  static committed(): Commitment {
    return new Commitment('committed');
  }

  /** A speculative turn's commitment; dropped when `signal` aborts first. */
  static pending(signal: AbortSignal): Commitment {
    const commitment = new Commitment('pending');
    signal.addEventListener('abort', () => commitment.drop(), { once: true });
    return commitment;
  }

  private constructor(state: 'pending' | 'committed') {
    this.#state = state;
    this.settled = state === 'committed' ? Promise.resolve(true) : new Promise((resolve) => (this.#settle = resolve));
  }

  get pending(): boolean {
    return this.#state === 'pending';
  }

  get committed(): boolean {
    return this.#state === 'committed';
  }

  commit(): void {
    if (this.#state !== 'pending') return;
    this.#state = 'committed';
    this.#settle(true);
  }

  drop(): void {
    if (this.#state !== 'pending') return;
    this.#state = 'dropped';
    this.#settle(false);
  }
}

/** Whether a committed utterance is exactly the audio a speculative request already carries. */
export function sameSpeech(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a dropped request cost: the model's own figures when it sent them, else an estimate of its input and of the text it returned. */
export function wastedUsage(request: OmniRequest, reported: OmniUsage | undefined, replyText: string): OmniUsage {
  if (reported) return reported;
  const input = { text: request.system ? textTokens(request.system) : 0, audio: 0, image: 0, video: 0 };
  for (const turn of request.turns) {
    const media = turn.role === 'user' ? turn.media : undefined;
    const mediaPart = media ? mediaTokens(media, request.model) : 0;
    input.text += messageTokens({ text: turn.text ?? '' }, request.model);
    if (media?.kind === 'audio') input.audio += mediaPart;
    else if (media?.kind === 'images' || media?.kind === 'image_sequence') input.image += mediaPart;
    else if (media) input.video += mediaPart;
  }
  const inputTotal = input.text + input.audio + input.image + input.video;
  const outputText = textTokens(replyText);
  return {
    input: { ...input, total: inputTotal },
    output: { text: outputText, audio: 0, reasoning: 0, total: outputText },
    total: inputTotal + outputText,
  };
}

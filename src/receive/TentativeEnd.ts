/**
 * Early notice that a speaker may have finished: once an open turn has been quiet for `speculationMs`, the
 * utterance so far is handed over (for a speculative request); if sound comes back before the turn ends, or
 * the turn closes with nothing to send, that is withdrawn ("resumed"). The turn's real end still comes from
 * the detector's full silence window. Pure: quiet beyond the audio pushed is given by the caller.
 */
import type { SpeechDetector } from './SpeakerListener.ts';

export interface TentativeEndEvents {
  onTentativeEnd(samples: Int16Array): void;
  onResumed(): void;
}

export class TentativeEnd {
  readonly #detector: SpeechDetector;
  readonly #speculationMs: number;
  readonly #events: TentativeEndEvents;
  /** A tentative end was announced and neither withdrawn nor turned into the turn's end. */
  #announced = false;
  /** Quiet (ms) in the audio pushed, at the last check: it only shrinks when sound comes back. */
  #lastPushedQuietMs = 0;

  constructor(detector: SpeechDetector, speculationMs: number, events: TentativeEndEvents) {
    this.#detector = detector;
    this.#speculationMs = speculationMs;
    this.#events = events;
  }

  /** The detector gave the turn's utterance: the announced end was the real one. */
  ended(): void {
    this.#announced = false;
    this.#lastPushedQuietMs = 0;
  }

  /**
   * Looks again after audio was pushed (`extraQuietMs` 0) or after `extraQuietMs` with no audio. Sound coming
   * back is judged on the audio pushed only: the quiet it holds grows while it is quiet (however the silence
   * arrives, in packets or as a gap filled in later) and restarts with a sounding frame.
   */
  check(extraQuietMs: number): void {
    const pushedQuietMs = this.#detector.quietMs();
    if (this.#announced && (pushedQuietMs === undefined || pushedQuietMs < this.#lastPushedQuietMs)) {
      this.#announced = false;
      this.#events.onResumed();
    }
    this.#lastPushedQuietMs = pushedQuietMs ?? 0;
    if (this.#announced || pushedQuietMs === undefined || pushedQuietMs + extraQuietMs < this.#speculationMs) return;
    const sofar = this.#detector.current();
    if (!sofar) return;
    this.#announced = true;
    this.#events.onTentativeEnd(sofar.samples);
  }

  /** How long after the last audio a check would announce a tentative end; undefined if none is due. */
  dueInMs(): number | undefined {
    const quietMs = this.#detector.quietMs();
    return this.#announced || quietMs === undefined ? undefined : Math.max(0, this.#speculationMs - quietMs);
  }
}

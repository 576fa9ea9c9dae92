/**
 * One chat request in flight per person. The same image posted 20 times in 2 s used to start 20 model
 * requests at once. Now the first runs, the next waits its turn (so a quick follow-up is not lost, as voice
 * turns keep one place each), and the rest are refused with a single notice per burst: a notice per message
 * would itself be the flood of writes the limit is there to stop.
 */

/** What `enter` decided: run now (after waiting, if queued), or refused. */
export type GateTicket = { readonly admitted: true; release(): void } | { readonly admitted: false; readonly firstRefusal: boolean };

interface PersonState {
  /** The one request waiting for the running one, released in turn. */
  waiting: (() => void) | undefined;
  /** Whether this busy spell has already had its notice. */
  noticed: boolean;
}

export class PersonGate {
  /** People with a request running; absent means idle. */
  readonly #busy = new Map<string, PersonState>();

  /** Resolves when `personId` may run a request; call `release()` when it is done (in `finally`). */
  async enter(personId: string): Promise<GateTicket> {
    const state = this.#busy.get(personId);
    if (!state) {
      this.#busy.set(personId, { waiting: undefined, noticed: false });
      return this.#ticket(personId);
    }
    if (state.waiting) {
      const firstRefusal = !state.noticed;
      state.noticed = true;
      return { admitted: false, firstRefusal };
    }
    await new Promise<void>((resolve) => {
      state.waiting = resolve;
    });
    return this.#ticket(personId);
  }

  #ticket(personId: string): GateTicket {
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        const state = this.#busy.get(personId);
        const next = state?.waiting;
        if (state && next) {
          state.waiting = undefined;
          next();
        } else this.#busy.delete(personId);
      },
    };
  }
}

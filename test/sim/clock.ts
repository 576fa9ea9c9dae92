/** The simulator's clock: real monotonic time plus an offset tests can advance (to expire tokens without sleeping). */
export class SimClock {
  private offsetMs = 0;

  /** Milliseconds, monotonic (performance.now() plus any advance). */
  now(): number {
    return performance.now() + this.offsetMs;
  }

  /** Moves the clock forward, e.g. past the 3 s interaction window. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

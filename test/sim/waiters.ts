/** Promise helpers for the simulator: every wait has a timeout that fails loudly instead of hanging a test. */

/** Rejects with `Timed out after Nms waiting for <what>` unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms}ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A FIFO of items that consumers await one at a time (items pushed before anyone waits are kept). */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(item: T) => void> = [];

  /** Hands the item to the oldest waiter, or keeps it for the next `next()`. */
  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  /** Resolves with the oldest unconsumed item, waiting up to `timeoutMs` for one. */
  next(timeoutMs: number, what: string): Promise<T> {
    const ready = this.items.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    let waiter: ((item: T) => void) | undefined;
    const arrival = new Promise<T>((resolve) => {
      waiter = resolve;
      this.waiters.push(resolve);
    });
    return withTimeout(arrival, timeoutMs, what).catch((error: unknown) => {
      // A timed-out waiter must not swallow a later item.
      const index = waiter ? this.waiters.indexOf(waiter) : -1;
      if (index >= 0) this.waiters.splice(index, 1);
      throw error;
    });
  }
}

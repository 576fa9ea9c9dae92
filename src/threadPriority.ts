/**
 * Thread priorities (nice values, Linux: one per thread), so that the voice threads get a core first. A voice
 * worker's 20 ms packet clock runs late when its thread is runnable but every core is busy (issue 11's late
 * cycles: the scale bench measured 18-83 ms of run-queue wait in nearly every late cycle).
 * - lowerOtherThreads: called by the main thread at start-up, before any worker exists, it lowers V8's
 *   background threads (GC marking and sweeping, compilation): needs no privilege, and the threads made later
 *   by the main thread (voice workers, also the ones that replace a dead worker) keep the main thread's priority.
 * - setThisThreadNice: a thread's own priority; raising it (a negative value) needs root, CAP_SYS_NICE
 *   (`docker run --cap-add SYS_NICE`) or a nice limit (systemd `LimitNICE=`), otherwise nothing changes and
 *   the reason says so.
 * Elsewhere than Linux both report that they cannot.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export type ThreadPriorityResult = { readonly applied: true; readonly nice: number } | { readonly applied: false; readonly reason: string };

/** The kernel's id of the calling thread (Linux), from /proc/thread-self; undefined elsewhere. */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the calling thread's nice value (-20 highest .. 19 lowest); never throws. */
export function setThisThreadNice(nice: number): ThreadPriorityResult {
  const tid = currentThreadId();
  if (tid === undefined) return { applied: false, reason: 'a per-thread priority needs Linux' };
  try {
    setPriority(tid, nice);
    return { applied: true, nice: getPriority(tid) };
  } catch (error) {
    const code = (error as { info?: { code?: string } }).info?.code;
    if (code === 'EACCES' || code === 'EPERM') {
      return { applied: false, reason: 'not permitted: needs root, CAP_SYS_NICE or a nice limit (systemd LimitNICE=)' };
    }
    return { applied: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Sets every other thread of this process that exists now to `nice` (only ever lowering: a thread already
 * lower is left alone), leaving the calling thread as it is. Returns how many threads it lowered.
 */
export function lowerOtherThreads(nice: number): { readonly lowered: number } | { readonly reason: string } {
  const self = currentThreadId();
  if (self === undefined) return { reason: 'per-thread priorities need Linux' };
  let lowered = 0;
  for (const name of readdirSync('/proc/self/task')) {
    const tid = Number(name);
    if (tid === self) continue;
    try {
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      lowered++;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return { lowered };
}

/**
 * The calling thread's scheduling priority (nice value), for a voice worker: its 20 ms packet clock runs late
 * when the thread is runnable but every core is busy (issue 11's late cycles: the scale bench measured 25-60 ms
 * of run-queue wait in nearly every late cycle), and a higher priority makes the kernel run it first.
 * Linux keeps a nice value per thread, so this changes only the calling thread (os.setPriority on its own
 * thread id); elsewhere it reports that it cannot. Raising priority (a negative value) needs the right to:
 * root, CAP_SYS_NICE (`docker run --cap-add SYS_NICE`), or a nice limit (systemd `LimitNICE=`); without it
 * nothing changes and the reason says so. Lowering it is always allowed.
 */
import { readlinkSync } from 'node:fs';
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

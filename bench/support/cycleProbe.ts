/**
 * Why a voice worker's 20 ms cycle ran late, measured inside the bot (no hook in it): loaded with
 * `--import` into the bot process (the scale bench: `--botArgs=--import=<this file>`), it instruments every
 * worker thread (workers inherit --import) when CYCLE_PROBE_DIR names a directory, or /tmp/cycle-probe
 * exists. For each @discordjs/voice audio cycle it writes one JSON line to <dir>/probe-<pid>-<thread>.jsonl:
 *   interval  ms since the previous cycle's send (20 when on time)
 *   run, wait this thread's CPU time and run-queue wait (runnable, no core) in that interval, from
 *             /proc/thread-self/schedstat
 *   chain     the library's per-player prepare chain before it (players, span and CPU of the prepares)
 *   gc        GC entries in the interval [start offset, ms, kind]
 *   longest   the longest task (message, event, timer, prepare) in the interval; kinds: ms per kind (>= 0.5)
 * Run as a script it summarises a directory: `node bench/support/cycleProbe.ts <dir>`.
 * It wraps setTimeout, setImmediate, EventEmitter#emit and the worker's message handler: for measuring only.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';

interface CycleLine {
  readonly interval: number;
  readonly run: number;
  readonly wait: number;
  readonly chain: { readonly len: number; readonly span: number; readonly work: number };
  readonly gc: ReadonlyArray<readonly [number, number, number]>;
  readonly longest?: readonly [string, number, number];
  readonly kinds: Record<string, number>;
}

const dir = process.env.CYCLE_PROBE_DIR ?? '/tmp/cycle-probe';
const round = (ms: number): number => Math.round(ms * 100) / 100;

function instrument(): void {
  const out = `${dir}/probe-${process.pid}-${threadId}.jsonl`;
  const schedstat = (): [number, number] => {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6];
  };
  type Task = { kind: string; start: number; ms: number };
  let tasks: Task[] = [];
  let gcs: Array<{ start: number; ms: number; kind: number }> = [];
  let depth = 0;
  // Only outermost tasks count: nested events are part of the task that emitted them.
  const timed = <T>(kind: string, run: () => T): T => {
    if (depth > 0) return run();
    depth++;
    const start = performance.now();
    try {
      return run();
    } finally {
      depth--;
      tasks.push({ kind, start, ms: performance.now() - start });
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gcs.push({ start: entry.startTime, ms: entry.duration, kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  }).observe({ entryTypes: ['gc'] });

  const emit = EventEmitter.prototype.emit;
  EventEmitter.prototype.emit = function (this: EventEmitter, type: string | symbol, ...args: unknown[]): boolean {
    return depth > 0 ? emit.call(this, type, ...args) : timed(`emit:${this.constructor?.name}:${String(type)}`, () => emit.call(this, type, ...args));
  };
  const port = parentPort!;
  const on = port.on.bind(port);
  port.on = ((type: string, listener: (message: { type?: string }) => void) =>
    on(
      type as 'message',
      type === 'message' ? (message: { type?: string }) => timed(`message:${message?.type}`, () => listener(message)) : listener,
    )) as typeof port.on;

  let chain = { start: 0, len: 0, work: 0 };
  const immediate = globalThis.setImmediate;
  globalThis.setImmediate = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
    const prepare = callback.toString().includes('prepareNextAudioFrame');
    return immediate(() =>
      timed(prepare ? 'prepare' : 'immediate', () => {
        const start = performance.now();
        try {
          callback(...args);
        } finally {
          if (prepare) {
            chain.len++;
            chain.work += performance.now() - start;
          }
        }
      }),
    );
  }) as typeof setImmediate;

  const timeout = globalThis.setTimeout;
  const lines: string[] = [];
  let last = performance.now();
  let lastSched = schedstat();
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    if (!callback.toString().includes('audioCycleStep')) return timeout(() => timed('timer', () => callback(...args)), delay);
    const prepared = { ...chain, span: performance.now() - chain.start };
    return timeout(() => {
      const now = performance.now();
      const sched = schedstat();
      const since = last;
      const inInterval = tasks.filter((task) => task.start + task.ms >= since);
      const longest = inInterval.reduce<Task | undefined>((a, task) => (!a || task.ms > a.ms ? task : a), undefined);
      const kinds: Record<string, number> = {};
      for (const task of inInterval) kinds[task.kind] = round((kinds[task.kind] ?? 0) + task.ms);
      const line: CycleLine & { at: number } = {
        at: Math.round(performance.timeOrigin + now),
        interval: round(now - since),
        run: round(sched[0] - lastSched[0]),
        wait: round(sched[1] - lastSched[1]),
        chain: { len: prepared.len, span: round(prepared.span), work: round(prepared.work) },
        gc: gcs.filter((gc) => gc.start + gc.ms >= since).map((gc) => [round(gc.start - since), round(gc.ms), gc.kind] as const),
        ...(longest ? { longest: [longest.kind, round(longest.start - since), round(longest.ms)] as const } : {}),
        kinds: Object.fromEntries(Object.entries(kinds).filter(([, ms]) => ms >= 0.5)),
      };
      lines.push(JSON.stringify(line));
      last = now;
      lastSched = sched;
      tasks = [];
      gcs = gcs.filter((gc) => gc.start + gc.ms >= now);
      chain = { start: now, len: 0, work: 0 };
      timed('cycle', () => callback(...args));
    }, delay);
  }) as typeof setTimeout;
  timeout(function flush() {
    if (lines.length > 0) appendFileSync(out, `${lines.splice(0).join('\n')}\n`);
    timeout(flush, 1000).unref();
  }, 1000).unref();
}

/** Per file (one per worker): busy cycles (8+ players), late ones (> 35 ms) and what their time went to. */
function summarise(from: string): void {
  const mean = (values: number[]): number => (values.length === 0 ? 0 : round(values.reduce((a, b) => a + b, 0) / values.length));
  for (const file of readdirSync(from).filter((name) => name.endsWith('.jsonl'))) {
    const busy = readFileSync(`${from}/${file}`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CycleLine)
      .filter((cycle) => cycle.chain.len >= 8);
    const late = busy.filter((cycle) => cycle.interval > 35);
    const onTime = busy.filter((cycle) => cycle.interval <= 25);
    const row = (cycles: CycleLine[]): string =>
      `interval ${mean(cycles.map((c) => c.interval))} ms, run ${mean(cycles.map((c) => c.run))} ms, run-queue wait ${mean(cycles.map((c) => c.wait))} ms`;
    process.stdout.write(
      `${file}: ${busy.length} busy cycles, ${late.length} late (> 35 ms)\n  late: ${row(late)}; wait >= half the delay in ${late.filter((c) => c.wait >= (c.interval - 20) / 2).length}, a GC >= 5 ms in ${late.filter((c) => c.gc.some(([, ms]) => ms >= 5)).length}\n  on time: ${row(onTime)}\n`,
    );
  }
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) summarise(process.argv[2] ?? dir);
else if (!isMainThread && existsSync(dir)) instrument();

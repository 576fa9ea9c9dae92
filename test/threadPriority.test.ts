// Thread priorities: on Linux the nice value is per thread, so one thread changing its own leaves the others
// alone, and the main thread can lower V8's background threads at start-up while the voice workers it makes
// later keep its priority. Lowering is permitted to anyone, so the tests lower; raising needs privileges, and
// whatever the outcome it never throws.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { currentThreadId, setThisThreadNice } from '../src/threadPriority.ts';

const MODULE = new URL('../src/threadPriority.ts', import.meta.url).href;

/** Runs `setThisThreadNice(nice)` in a new worker thread; its result and the thread id it ran on. */
async function inWorker(nice: number): Promise<{ result: unknown; tid: number | undefined; after: number | undefined }> {
  const worker = new Worker(
    `import(${JSON.stringify(MODULE)}).then((m) => {
       const result = m.setThisThreadNice(${nice});
       const tid = m.currentThreadId();
       require('node:worker_threads').parentPort.postMessage({ result, tid, after: tid === undefined ? undefined : require('node:os').getPriority(tid) });
     });`,
    { eval: true },
  );
  const [message] = await once(worker, 'message');
  await worker.terminate();
  return message;
}

test('a worker thread lowering its priority changes its own nice value only', {
  skip: process.platform !== 'linux' && 'per-thread priority is Linux only',
}, async () => {
  const mainTid = currentThreadId()!;
  const mainBefore = getPriority(mainTid);
  const { result, tid, after } = await inWorker(Math.min(19, mainBefore + 5));
  assert.deepEqual(result, { applied: true, nice: Math.min(19, mainBefore + 5) });
  assert.notEqual(tid, mainTid, 'the worker has a thread id of its own');
  assert.equal(after, Math.min(19, mainBefore + 5));
  assert.equal(getPriority(mainTid), mainBefore, "the main thread's priority is unchanged");
});

test('asking for a higher priority reports whether it was applied and never throws', async () => {
  const { result } = await inWorker(-5);
  assert.ok(
    (result as { applied: boolean }).applied
      ? (result as { nice: number }).nice === -5
      : typeof (result as { reason: unknown }).reason === 'string' && (result as { reason: string }).reason.length > 0,
    JSON.stringify(result),
  );
});

test('lowering the other threads at start-up leaves the caller, and a worker made afterwards keeps its priority', {
  skip: process.platform !== 'linux' && 'per-thread priority is Linux only',
}, () => {
  // In a child process: lowering cannot be undone without privileges, so not in the test runner's own threads.
  const script = `
    const { readdirSync, readlinkSync } = require('node:fs');
    const { getPriority } = require('node:os');
    const { Worker } = require('node:worker_threads');
    import(${JSON.stringify(MODULE)}).then((m) => {
      const self = m.currentThreadId();
      const others = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== self);
      const result = m.lowerOtherThreads(7);
      const worker = new Worker("require('node:worker_threads').parentPort.postMessage(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()))", { eval: true });
      worker.once('message', (workerTid) => {
        process.stdout.write(JSON.stringify({
          result,
          others: others.length,
          othersNice: [...new Set(others.map((tid) => { try { return getPriority(tid); } catch { return 7; } }))],
          selfNice: getPriority(self),
          workerNice: getPriority(workerTid),
        }));
        worker.terminate();
      });
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  assert.ok(out.others > 0, 'V8 has background threads from the start');
  assert.deepEqual(out.result, { lowered: out.others });
  assert.deepEqual(out.othersNice, [7]);
  assert.equal(out.selfNice, 0);
  assert.equal(out.workerNice, 0, 'a worker made afterwards has the main thread priority, not the lowered one');
});

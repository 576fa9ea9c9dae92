// A voice worker can take a scheduling priority of its own: on Linux the nice value is per thread, so a worker
// changing its priority leaves the main thread's alone. Lowering (a positive value) is permitted to anyone,
// so the test lowers; raising needs privileges, and whatever the outcome it never throws.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../../src/log.ts';
import { currentThreadId } from '../../src/voiceWorker/threadPriority.ts';
import { VoiceWorkerPool } from '../../src/voiceWorker/VoiceWorkerPool.ts';

const MODULE = new URL('../../src/voiceWorker/threadPriority.ts', import.meta.url).href;

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

test('a voice worker takes VOICE_WORKER_NICE as it starts, and says so', {
  skip: process.platform !== 'linux' && 'per-thread priority is Linux only',
}, async () => {
  const nice = Math.min(19, getPriority(currentThreadId()!) + 3);
  const pool = new VoiceWorkerPool({
    size: 1,
    log: createLogger('silent'),
    settings: { logLevel: 'silent', silenceMs: 900, maxUtteranceMs: 30_000, speculationMs: 0, decryptionFailureTolerance: 36, maxReplyMs: 90_000, nice },
  });
  try {
    const [started] = await pool.start();
    assert.equal(started?.priority, `nice ${nice}`);
  } finally {
    await pool.close();
  }
});

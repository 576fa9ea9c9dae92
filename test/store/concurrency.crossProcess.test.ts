// Pins that caps and cooldowns hold across processes: two processes charging one person's daily cap at once
// (200 charges) end exactly at the cap, never past it; two processes admitting one person inside a cooldown
// admit them once. Both engines: PostgreSQL is what several processes share, SQLite must mean the same.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { storeTest } from './engines.ts';

const STORE_MODULE = new URL('../../src/store/Store.ts', import.meta.url).href;
const SQLITE_MODULE = new URL('../../src/store/SqliteStore.ts', import.meta.url).href;
const CHARGES_PER_PROCESS = 100;
const AMOUNT = 7;
// 100 charges fit (700); the 101st would make 707.
const CAP = 100 * AMOUNT + 3;
const ADMITS_PER_PROCESS = 50;

/** A child that opens the store, says "ready", and on "go" charges and admits at once, printing its counts. */
function childCode(engine: string, place: string): string {
  const open =
    engine === 'postgres'
      ? `const store = await openStore({ databaseUrl: ${JSON.stringify(place)}, dataDir: '/nonexistent' });`
      : `const store = sqliteAsStore(SqliteStore.open(${JSON.stringify(place)}, { busyTimeoutMs: 30000 }));`;
  return `
    import { openStore, sqliteAsStore } from ${JSON.stringify(STORE_MODULE)};
    import { SqliteStore } from ${JSON.stringify(SQLITE_MODULE)};
    ${open}
    const call = { userId: 'u1', guildId: 'g1', input: { text: ${AMOUNT}, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const [charged, admitted] = await Promise.all([
      Promise.all(Array.from({ length: ${CHARGES_PER_PROCESS} }, () => store.usage.charge(call, ${CAP}))),
      Promise.all(Array.from({ length: ${ADMITS_PER_PROCESS} }, () => store.usage.admit({ userId: 'u2', guildId: 'g1', cap: 0, cooldownMs: 60000, nowMs: 1000000 }))),
    ]);
    process.stdout.write(JSON.stringify({ charged: charged.filter(Boolean).length, admitted: admitted.filter((a) => a.admitted).length }) + '\\n');
    await store.close();
    process.stdin.destroy();
  `;
}

storeTest('200 charges from two processes against one cap: exactly the cap, never more; one admission inside a cooldown', async (_t, store, engine, place) => {
  const children = [0, 1].map(() =>
    spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', childCode(engine.name, place)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const outputs = children.map((child) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return { lines, stderr: () => stderr, exit: once(child, 'close') };
  });
  for (const output of outputs) {
    const first = await output.lines.next();
    assert.equal(first.value, 'ready', `a child did not open the store: ${output.stderr()}`);
  }
  for (const child of children) child.stdin!.write('go\n');
  const results: Array<{ charged: number; admitted: number }> = [];
  for (const output of outputs) {
    const line = await output.lines.next();
    assert.ok(typeof line.value === 'string', `a child failed: ${output.stderr()}`);
    results.push(JSON.parse(line.value));
    await output.exit;
  }

  assert.equal(
    results.reduce((sum, r) => sum + r.charged, 0),
    CHARGES_PER_PROCESS,
    `charges accepted per process: ${results.map((r) => r.charged).join(' + ')}`,
  );
  assert.equal(await store.usage.tokensToday('u1', 'g1'), CHARGES_PER_PROCESS * AMOUNT);
  assert.ok((await store.usage.tokensToday('u1', 'g1')) <= CAP);
  assert.equal(
    results.reduce((sum, r) => sum + r.admitted, 0),
    1,
    'one person admitted once inside the cooldown',
  );
  assert.equal(await store.usage.lastAdmission('u2'), 1_000_000);
});

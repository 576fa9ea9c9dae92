// Pins crash safety: a writer killed with SIGKILL mid-loop leaves an intact file where every group of writes is whole.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { startChild, tempDir } from './helpers.ts';

const USERS = 10;

test('kill -9 during a write loop: integrity ok, each generation of writes is all there or not at all', async (t) => {
  const dir = tempDir(t);
  // Each round writes generation n everywhere: one server row (every column), ten user rows, one usage increment.
  const child = startChild(`
    const store = SqliteStore.open(${JSON.stringify(dir)});
    const call = { input: { text: 1, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };
    for (let n = 1; ; n++) {
      store.transaction(() => {
        store.settings.updateGuildSettings('g1', { voice: 'v' + n, persona: 'p' + n + '.'.repeat(1000), dailyTokenCap: n, cooldownSeconds: n % 86400 });
        for (let u = 0; u < ${USERS}; u++) store.settings.setUserVoice('u' + u, 'v' + n);
        store.usage.recordUsage({ userId: 'u0', guildId: 'g1', day: '2025-06-10', ...call });
      });
      if (n === 300) process.stdout.write('ready\\n');
    }
  `);
  t.after(() => child.kill('SIGKILL')); // if an assertion fails before the kill below
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [ready] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [unknown];
  assert.ok(Buffer.isBuffer(ready) && ready.toString().startsWith('ready'), `the writer did not get going: ${stderr}`);
  child.kill('SIGKILL');
  const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL');

  const raw = new DatabaseSync(path.join(dir, 'bot.sqlite'));
  assert.equal(raw.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
  raw.close();

  const store = Store.open(dir);
  t.after(() => store.close());
  const guild = store.settings.getGuildSettings('g1');
  const n = guild.dailyTokenCap;
  assert.ok(n !== null && n >= 300, `generation ${n}`);
  assert.deepEqual(guild, {
    voice: `v${n}`,
    listen: { mode: 'everyone' },
    transcript: { enabled: false, channelId: null },
    persona: `p${n}${'.'.repeat(1000)}`,
    dailyTokenCap: n,
    cooldownSeconds: n,
    speculation: null,
  });
  for (let u = 0; u < USERS; u++) assert.equal(store.settings.getUserVoice(`u${u}`), `v${n}`, `user u${u}`);
  assert.equal(store.usage.usageFor({ userId: 'u0', day: '2025-06-10' }).total, n);
});

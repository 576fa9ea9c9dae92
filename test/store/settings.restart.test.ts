// Pins that every setting survives closing the store, reopening it, and reading it from another process.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import { runInChildAsync } from './helpers.ts';

const FULL = {
  voice: 'Ethan',
  listen: { mode: 'only-me', userId: '111' },
  transcript: { enabled: true, channelId: '222' },
  persona: 'A cheerful pirate who keeps answers short.',
  dailyTokenCap: 50_000,
  cooldownSeconds: 20,
  speculation: false,
} as const;

storeTest('settings written before close are read back after reopening', async (t, first, engine, place) => {
  await first.settings.setUserVoice('u1', 'Cherry');
  await first.settings.updateGuildSettings('g1', FULL);
  await first.close();

  const second = await engine.open(t, place);
  assert.equal(await second.settings.getUserVoice('u1'), 'Cherry');
  assert.deepEqual(await second.settings.getGuildSettings('g1'), FULL);
});

storeTest('another process sees the same settings', async (_t, store, engine, place) => {
  await store.settings.setUserVoice('u1', 'Cherry');
  await store.settings.updateGuildSettings('g1', FULL);
  await store.close();

  const where = engine.name === 'postgres' ? { databaseUrl: place, dataDir: '/nonexistent' } : { dataDir: place };
  const out = await runInChildAsync(`
    const store = await openStore(${JSON.stringify(where)});
    console.log(JSON.stringify({ voice: await store.settings.getUserVoice('u1'), guild: await store.settings.getGuildSettings('g1') }));
    await store.close();
  `);
  assert.deepEqual(JSON.parse(out), { voice: 'Cherry', guild: FULL });
});

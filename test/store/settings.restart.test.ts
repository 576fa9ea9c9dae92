// Pins that every setting survives closing the store, reopening it, and reading it from another process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../src/store/Store.ts';
import { runInChild, tempDir } from './helpers.ts';

const FULL = {
  voice: 'Ethan',
  listen: { mode: 'only-me', userId: '111' },
  transcript: { enabled: true, channelId: '222' },
  persona: 'A cheerful pirate who keeps answers short.',
  dailyTokenCap: 50_000,
  cooldownSeconds: 20,
  speculation: false,
} as const;

test('settings written before close are read back after reopening', (t) => {
  const dir = tempDir(t);
  const first = Store.open(dir);
  first.settings.setUserVoice('u1', 'Cherry');
  first.settings.updateGuildSettings('g1', FULL);
  first.close();

  const second = Store.open(dir);
  t.after(() => second.close());
  assert.equal(second.settings.getUserVoice('u1'), 'Cherry');
  assert.deepEqual(second.settings.getGuildSettings('g1'), FULL);
});

test('another process sees the same settings', (t) => {
  const dir = tempDir(t);
  const store = Store.open(dir);
  store.settings.setUserVoice('u1', 'Cherry');
  store.settings.updateGuildSettings('g1', FULL);
  store.close();

  const out = runInChild(`
    const store = Store.open(${JSON.stringify(dir)});
    console.log(JSON.stringify({ voice: store.settings.getUserVoice('u1'), guild: store.settings.getGuildSettings('g1') }));
    store.close();
  `);
  assert.deepEqual(JSON.parse(out), { voice: 'Cherry', guild: FULL });
});

// Pins the per-server switch for speculative requests, on both engines: default null (the bot's setting),
// on/off stored and reset, bad values refused without writing, other settings untouched.
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../src/errors.ts';
import { storeTest } from './engines.ts';

storeTest('speculation is null until set, then on or off, and null again on reset', async (_t, store) => {
  assert.equal((await store.settings.getGuildSettings('g1')).speculation, null);
  await store.settings.updateGuildSettings('g1', { dailyTokenCap: 7 });
  assert.equal((await store.settings.updateGuildSettings('g1', { speculation: false })).speculation, false);
  assert.equal((await store.settings.getGuildSettings('g1')).speculation, false);
  assert.equal((await store.settings.getGuildSettings('g1')).dailyTokenCap, 7);
  assert.equal((await store.settings.updateGuildSettings('g1', { speculation: true })).speculation, true);
  assert.equal((await store.settings.updateGuildSettings('g1', { speculation: null })).speculation, null);
  assert.equal((await store.settings.getGuildSettings('g2')).speculation, null);
});

storeTest('a value that is not on or off is refused and nothing is written', async (_t, store) => {
  await store.settings.updateGuildSettings('g1', { speculation: false });
  await assert.rejects(() => store.settings.updateGuildSettings('g1', { speculation: 'yes' as unknown as boolean, dailyTokenCap: 3 }), InvalidInputError);
  assert.equal((await store.settings.getGuildSettings('g1')).speculation, false);
  assert.equal((await store.settings.getGuildSettings('g1')).dailyTokenCap, null);
});

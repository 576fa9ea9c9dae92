// Pins the per-server switch for speculative requests: default null (the bot's setting), on/off stored and
// reset, bad values refused without writing, other settings untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

test('speculation is null until set, then on or off, and null again on reset', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  assert.equal(store.settings.getGuildSettings('g1').speculation, null);
  store.settings.updateGuildSettings('g1', { dailyTokenCap: 7 });
  assert.equal(store.settings.updateGuildSettings('g1', { speculation: false }).speculation, false);
  assert.equal(store.settings.getGuildSettings('g1').speculation, false);
  assert.equal(store.settings.getGuildSettings('g1').dailyTokenCap, 7);
  assert.equal(store.settings.updateGuildSettings('g1', { speculation: true }).speculation, true);
  assert.equal(store.settings.updateGuildSettings('g1', { speculation: null }).speculation, null);
  assert.equal(store.settings.getGuildSettings('g2').speculation, null);
});

test('a value that is not on or off is refused and nothing is written', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.updateGuildSettings('g1', { speculation: false });
  assert.throws(() => store.settings.updateGuildSettings('g1', { speculation: 'yes' as unknown as boolean, dailyTokenCap: 3 }), InvalidInputError);
  assert.equal(store.settings.getGuildSettings('g1').speculation, false);
  assert.equal(store.settings.getGuildSettings('g1').dailyTokenCap, null);
});

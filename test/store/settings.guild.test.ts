// Pins server settings: defaults without a row, patches that change only what they name, null resetting a field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GUILD_SETTINGS } from '../../src/store/settings.ts';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

test('a server that never changed anything gets the defaults', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  assert.deepEqual(store.settings.getGuildSettings('g1'), {
    voice: null,
    listen: { mode: 'everyone' },
    transcript: { enabled: false, channelId: null },
    persona: null,
    dailyTokenCap: null,
    cooldownSeconds: null,
    speculation: null,
  });
});

test('a patch changes only the fields it names, and returns the result', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.updateGuildSettings('g1', { voice: 'Ethan', persona: 'Be brief.' });
  const after = store.settings.updateGuildSettings('g1', { listen: { mode: 'addressed' }, dailyTokenCap: 1000 });
  assert.deepEqual(after, { ...DEFAULT_GUILD_SETTINGS, voice: 'Ethan', persona: 'Be brief.', listen: { mode: 'addressed' }, dailyTokenCap: 1000 });
  assert.deepEqual(store.settings.getGuildSettings('g1'), after);
  assert.deepEqual(store.settings.getGuildSettings('g2'), DEFAULT_GUILD_SETTINGS, 'servers are independent');
});

test('null resets a field to the environment default; a blank persona clears it', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.updateGuildSettings('g1', { voice: 'Ethan', dailyTokenCap: 5, cooldownSeconds: 10, persona: 'x' });
  const after = store.settings.updateGuildSettings('g1', { voice: null, dailyTokenCap: null, cooldownSeconds: null, persona: '   ' });
  assert.deepEqual(after, DEFAULT_GUILD_SETTINGS);
});

test('only-me keeps its person; leaving only-me forgets them', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.updateGuildSettings('g1', { listen: { mode: 'only-me', userId: '42' } });
  assert.deepEqual(store.settings.getGuildSettings('g1').listen, { mode: 'only-me', userId: '42' });
  store.settings.updateGuildSettings('g1', { listen: { mode: 'everyone' } });
  assert.deepEqual(store.settings.getGuildSettings('g1').listen, { mode: 'everyone' });
});

test('a transcript without a channel posts to the default channel (null)', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.updateGuildSettings('g1', { transcript: { enabled: true, channelId: '9' } });
  assert.deepEqual(store.settings.updateGuildSettings('g1', { transcript: { enabled: true } }).transcript, { enabled: true, channelId: null });
});

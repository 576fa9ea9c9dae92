// Pins server settings: defaults without a row, patches that change only what they name, null resetting a field.
import assert from 'node:assert/strict';
import { DEFAULT_GUILD_SETTINGS } from '../../src/store/settings.ts';
import { storeTest } from './engines.ts';

storeTest('a server that never changed anything gets the defaults', async (_t, store) => {
  assert.deepEqual(await store.settings.getGuildSettings('g1'), {
    voice: null,
    listen: { mode: 'everyone' },
    transcript: { enabled: false, channelId: null },
    persona: null,
    dailyTokenCap: null,
    cooldownSeconds: null,
    speculation: null,
  });
});

storeTest('a patch changes only the fields it names, and returns the result', async (_t, store) => {
  await store.settings.updateGuildSettings('g1', { voice: 'Ethan', persona: 'Be brief.' });
  const after = await store.settings.updateGuildSettings('g1', { listen: { mode: 'addressed' }, dailyTokenCap: 1000 });
  assert.deepEqual(after, { ...DEFAULT_GUILD_SETTINGS, voice: 'Ethan', persona: 'Be brief.', listen: { mode: 'addressed' }, dailyTokenCap: 1000 });
  assert.deepEqual(await store.settings.getGuildSettings('g1'), after);
  assert.deepEqual(await store.settings.getGuildSettings('g2'), DEFAULT_GUILD_SETTINGS, 'servers are independent');
});

storeTest('patches of different fields made at once all land', async (_t, store) => {
  await Promise.all([
    store.settings.updateGuildSettings('g1', { voice: 'Ethan' }),
    store.settings.updateGuildSettings('g1', { persona: 'Be brief.' }),
    store.settings.updateGuildSettings('g1', { dailyTokenCap: 7 }),
    store.settings.updateGuildSettings('g1', { cooldownSeconds: 3 }),
  ]);
  assert.deepEqual(await store.settings.getGuildSettings('g1'), {
    ...DEFAULT_GUILD_SETTINGS,
    voice: 'Ethan',
    persona: 'Be brief.',
    dailyTokenCap: 7,
    cooldownSeconds: 3,
  });
});

storeTest('null resets a field to the environment default; a blank persona clears it', async (_t, store) => {
  await store.settings.updateGuildSettings('g1', { voice: 'Ethan', dailyTokenCap: 5, cooldownSeconds: 10, persona: 'x' });
  const after = await store.settings.updateGuildSettings('g1', { voice: null, dailyTokenCap: null, cooldownSeconds: null, persona: '   ' });
  assert.deepEqual(after, DEFAULT_GUILD_SETTINGS);
});

storeTest('only-me keeps its person; leaving only-me forgets them', async (_t, store) => {
  await store.settings.updateGuildSettings('g1', { listen: { mode: 'only-me', userId: '42' } });
  assert.deepEqual((await store.settings.getGuildSettings('g1')).listen, { mode: 'only-me', userId: '42' });
  await store.settings.updateGuildSettings('g1', { listen: { mode: 'everyone' } });
  assert.deepEqual((await store.settings.getGuildSettings('g1')).listen, { mode: 'everyone' });
});

storeTest('a transcript without a channel posts to the default channel (null)', async (_t, store) => {
  await store.settings.updateGuildSettings('g1', { transcript: { enabled: true, channelId: '9' } });
  assert.deepEqual((await store.settings.updateGuildSettings('g1', { transcript: { enabled: true } })).transcript, { enabled: true, channelId: null });
});

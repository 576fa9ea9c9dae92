// Pins a user's own voice: global (the same in every server), replaceable, and forgotten with null.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';

storeTest('set, replace and forget a user voice', async (_t, store) => {
  assert.equal(await store.settings.getUserVoice('u1'), null);
  await store.settings.setUserVoice('u1', 'Cherry');
  await store.settings.setUserVoice('u1', 'Ethan');
  assert.equal(await store.settings.getUserVoice('u1'), 'Ethan');
  assert.equal(await store.settings.getUserVoice('u2'), null);
  await store.settings.setUserVoice('u1', null);
  assert.equal(await store.settings.getUserVoice('u1'), null);
});

storeTest("a user's voice follows them into every server", async (_t, store) => {
  await store.settings.setUserVoice('u1', 'Ethan');
  await store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  const valid = (): boolean => true;
  assert.equal((await store.settings.resolveVoice('u1', 'g1', 'Chelsie', valid)).voice, 'Ethan');
  assert.equal((await store.settings.resolveVoice('u1', 'g2', 'Chelsie', valid)).voice, 'Ethan');
});

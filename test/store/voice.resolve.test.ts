// Pins which voice answers: the speaker's, else the server's, else the fallback; never one the model lacks.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';

const MODEL_VOICES = new Set(['Cherry', 'Ethan', 'Chelsie']);
const isValid = (voice: string): boolean => MODEL_VOICES.has(voice);

storeTest('the chain: user, then server, then fallback', async (_t, store) => {
  assert.deepEqual(await store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Chelsie', source: 'fallback', unavailable: [] });
  await store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  assert.deepEqual(await store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Cherry', source: 'guild', unavailable: [] });
  await store.settings.setUserVoice('u1', 'Ethan');
  assert.deepEqual(await store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Ethan', source: 'user', unavailable: [] });
});

storeTest('in a DM (no server) the user voice or the fallback answers', async (_t, store) => {
  assert.equal((await store.settings.resolveVoice('u1', null, 'Chelsie', isValid)).voice, 'Chelsie');
  await store.settings.setUserVoice('u1', 'Ethan');
  assert.equal((await store.settings.resolveVoice('u1', null, 'Chelsie', isValid)).voice, 'Ethan');
});

storeTest('stored voices the current model lacks are skipped and reported', async (_t, store) => {
  await store.settings.setUserVoice('u1', 'Dylan');
  await store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  assert.deepEqual(await store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), {
    voice: 'Cherry',
    source: 'guild',
    unavailable: [{ source: 'user', voice: 'Dylan' }],
  });
  await store.settings.updateGuildSettings('g1', { voice: 'Sunny' });
  assert.deepEqual(await store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), {
    voice: 'Chelsie',
    source: 'fallback',
    unavailable: [
      { source: 'user', voice: 'Dylan' },
      { source: 'guild', voice: 'Sunny' },
    ],
  });
  assert.equal(await store.settings.getUserVoice('u1'), 'Dylan', 'the choice is kept for a model that has it');
});

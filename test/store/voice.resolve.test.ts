// Pins which voice answers: the speaker's, else the server's, else the fallback; never one the model lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

const MODEL_VOICES = new Set(['Cherry', 'Ethan', 'Chelsie']);
const isValid = (voice: string): boolean => MODEL_VOICES.has(voice);

test('the chain: user, then server, then fallback', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  assert.deepEqual(store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Chelsie', source: 'fallback', unavailable: [] });
  store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  assert.deepEqual(store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Cherry', source: 'guild', unavailable: [] });
  store.settings.setUserVoice('u1', 'Ethan');
  assert.deepEqual(store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), { voice: 'Ethan', source: 'user', unavailable: [] });
});

test('in a DM (no server) the user voice or the fallback answers', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  assert.equal(store.settings.resolveVoice('u1', null, 'Chelsie', isValid).voice, 'Chelsie');
  store.settings.setUserVoice('u1', 'Ethan');
  assert.equal(store.settings.resolveVoice('u1', null, 'Chelsie', isValid).voice, 'Ethan');
});

test('stored voices the current model lacks are skipped and reported', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.setUserVoice('u1', 'Dylan');
  store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  assert.deepEqual(store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), {
    voice: 'Cherry',
    source: 'guild',
    unavailable: [{ source: 'user', voice: 'Dylan' }],
  });
  store.settings.updateGuildSettings('g1', { voice: 'Sunny' });
  assert.deepEqual(store.settings.resolveVoice('u1', 'g1', 'Chelsie', isValid), {
    voice: 'Chelsie',
    source: 'fallback',
    unavailable: [
      { source: 'user', voice: 'Dylan' },
      { source: 'guild', voice: 'Sunny' },
    ],
  });
  assert.equal(store.settings.getUserVoice('u1'), 'Dylan', 'the choice is kept for a model that has it');
});

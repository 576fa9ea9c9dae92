// Pins a user's own voice: global (the same in every server), replaceable, and forgotten with null.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

test('set, replace and forget a user voice', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  assert.equal(store.settings.getUserVoice('u1'), null);
  store.settings.setUserVoice('u1', 'Cherry');
  store.settings.setUserVoice('u1', 'Ethan');
  assert.equal(store.settings.getUserVoice('u1'), 'Ethan');
  assert.equal(store.settings.getUserVoice('u2'), null);
  store.settings.setUserVoice('u1', null);
  assert.equal(store.settings.getUserVoice('u1'), null);
});

test("a user's voice follows them into every server", (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.setUserVoice('u1', 'Ethan');
  store.settings.updateGuildSettings('g1', { voice: 'Cherry' });
  const valid = (): boolean => true;
  assert.equal(store.settings.resolveVoice('u1', 'g1', 'Chelsie', valid).voice, 'Ethan');
  assert.equal(store.settings.resolveVoice('u1', 'g2', 'Chelsie', valid).voice, 'Ethan');
});

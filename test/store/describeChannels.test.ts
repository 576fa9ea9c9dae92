// Channels marked with /describe-channel: per server, surviving a restart, capped, idempotent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_DESCRIBE_CHANNELS } from '../../src/store/describeChannels.ts';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

test('marked channels are per server and survive reopening', (t) => {
  const dir = tempDir(t);
  const store = Store.open(dir);
  assert.equal(store.describeChannels.set('1', '10', true), true);
  assert.equal(store.describeChannels.set('1', '10', true), true); // twice is still one
  store.describeChannels.set('2', '20', true);
  store.close();
  const reopened = Store.open(dir);
  t.after(() => reopened.close());
  assert.deepEqual(reopened.describeChannels.list('1'), ['10']);
  assert.equal(reopened.describeChannels.has('1', '20'), false);
  assert.equal(reopened.describeChannels.has('2', '20'), true);
  reopened.describeChannels.set('1', '10', false);
  assert.deepEqual(reopened.describeChannels.list('1'), []);
});

test('a server cannot mark more than the cap, and a refused mark writes nothing', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  for (let i = 0; i < MAX_DESCRIBE_CHANNELS; i++) assert.equal(store.describeChannels.set('1', String(100 + i), true), true);
  assert.equal(store.describeChannels.set('1', '999', true), false);
  assert.equal(store.describeChannels.list('1').length, MAX_DESCRIBE_CHANNELS);
  assert.equal(store.describeChannels.set('1', '100', true), true, 'an already-marked channel is fine');
});

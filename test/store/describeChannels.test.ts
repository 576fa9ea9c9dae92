// Channels marked with /describe-channel: per server, surviving a restart, capped, idempotent.
import assert from 'node:assert/strict';
import { MAX_DESCRIBE_CHANNELS } from '../../src/store/describeChannels.ts';
import { storeTest } from './engines.ts';

storeTest('marked channels are per server and survive reopening', async (t, store, engine, place) => {
  assert.equal(await store.describeChannels.set('1', '10', true), true);
  assert.equal(await store.describeChannels.set('1', '10', true), true); // twice is still one
  await store.describeChannels.set('2', '20', true);
  await store.close();
  const reopened = await engine.open(t, place);
  assert.deepEqual(await reopened.describeChannels.list('1'), ['10']);
  assert.equal(await reopened.describeChannels.has('1', '20'), false);
  assert.equal(await reopened.describeChannels.has('2', '20'), true);
  await reopened.describeChannels.set('1', '10', false);
  assert.deepEqual(await reopened.describeChannels.list('1'), []);
});

storeTest('a server cannot mark more than the cap, even marking many at once, and a refused mark writes nothing', async (_t, store) => {
  const marks = await Promise.all(Array.from({ length: MAX_DESCRIBE_CHANNELS + 5 }, (_, i) => store.describeChannels.set('1', String(100 + i), true)));
  assert.equal(marks.filter(Boolean).length, MAX_DESCRIBE_CHANNELS);
  assert.equal(await store.describeChannels.set('1', '999', true), false);
  assert.equal((await store.describeChannels.list('1')).length, MAX_DESCRIBE_CHANNELS);
  const marked = (await store.describeChannels.list('1'))[0]!;
  assert.equal(await store.describeChannels.set('1', marked, true), true, 'an already-marked channel is fine');
});

// The voice channel the bot is in, per server: set on join and move, cleared on leave, kept across a restart.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';

storeTest('the voice channel per server survives reopening; a move replaces it and a leave clears it', async (t, store, engine, place) => {
  await store.voiceChannels.set('1', '10');
  await store.voiceChannels.set('2', '20');
  await store.voiceChannels.set('1', '11');
  await store.close();
  const reopened = await engine.open(t, place);
  assert.deepEqual(await reopened.voiceChannels.list(), [
    { guildId: '1', channelId: '11' },
    { guildId: '2', channelId: '20' },
  ]);
  await reopened.voiceChannels.set('2', null);
  await reopened.voiceChannels.set('3', null);
  assert.deepEqual(await reopened.voiceChannels.list(), [{ guildId: '1', channelId: '11' }]);
});

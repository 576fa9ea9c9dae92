// Voice workers' lifecycle: a worker killed mid-reply costs only its own guild's turn (that guild rejoins,
// says so once in the channel's chat, keeps its conversation and answers the next utterance) while a guild on
// the other worker hears its whole reply without a gap; shutdown during replies leaves every channel and ends
// the workers; /join in another channel moves the bot there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import type { Utterance as BotUtterance } from '../sim/botAudio.ts';
import type { VoiceWorkerPool } from '../../src/voiceWorker/VoiceWorkerPool.ts';
import { startWorld, type World } from './world.ts';
import { leftChannel, speechFixture } from './support.ts';

const GUILDS = {
  guilds: [
    { name: 'Alpha', users: ['alice'], voiceChannels: ['General', 'Lounge'] },
    { name: 'Beta', users: ['bob'] },
  ],
};

function pool(world: World): VoiceWorkerPool {
  return world.bot.voiceHost as VoiceWorkerPool;
}

/** Every packet of the burst follows the one before it (RTP sequence numbers wrap at 2^16). */
function assertSequenceContinuous(reply: BotUtterance): void {
  for (let i = 1; i < reply.packets.length; i++) {
    const step = (reply.packets[i]!.sequence - reply.packets[i - 1]!.sequence + 65_536) % 65_536;
    assert.equal(step, 1, `packet ${i} of ${reply.packets.length} follows a gap in sequence numbers`);
  }
}

async function joinBoth(world: World): Promise<void> {
  const { sim } = world;
  const alice = sim.user('alice', 'Alpha');
  const bob = sim.user('bob', 'Beta');
  await alice.joinVoice('General');
  await bob.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  await (await bob.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  // The fake answers by guild: Alpha's speaker is Alice.
  world.fake.setReplyRule((request) =>
    request.texts.some((text) => text.includes('Alice'))
      ? { text: 'Answer for Alpha, and a long one it is going to be today.', audio: { toneHz: 440, seconds: 3 } }
      : { text: 'Answer for Beta.', audio: { toneHz: 660, seconds: 3 } },
  );
}

describe('2 voice workers', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ sim: GUILDS, voiceWorkers: 2 });
  });
  after(() => world.close());

  test('a worker killed mid-reply: its guild rejoins and answers again, the other guild hears no gap', async () => {
    const { sim, fake } = world;
    await joinBoth(world);
    const alphaId = sim.guild('Alpha').id;
    const betaId = sim.guild('Beta').id;
    const alphaWorker = pool(world).workerOf(alphaId)!;
    assert.notEqual(alphaWorker.workerId, pool(world).workerOf(betaId)!.workerId, 'the guilds are on different workers');

    const alice = sim.user('alice', 'Alpha');
    const bob = sim.user('bob', 'Beta');
    const betaHears = sim.botAudioIn('Beta').nextUtterance(20_000);
    const alphaCut = sim.botAudioIn('Alpha').nextUtterance(20_000);
    await Promise.all([alice.say(speechFixture('en_no_lead').path), bob.say(speechFixture('en_no_lead').path)]);
    // Half a second into Alpha's reply, its worker dies.
    for (let played = 0; played < 25; played++) await sim.botAudioIn('Alpha').nextAudioPacket();
    const rejoined = sim.nextBotJoin();
    const notice = sim.nextMessage({ channel: 'General', guild: 'Alpha', matching: (m) => /restarted/.test(m.content ?? ''), timeoutMs: 15_000 });
    await alphaWorker.thread.terminate();

    assert.equal(await rejoined, sim.channelId('General', 'Alpha'), 'Alpha rejoins the same channel');
    assert.equal((await notice).channelId, sim.channelId('General', 'Alpha'), "the notice is in the voice channel's chat");
    const cut = await alphaCut;
    assert.ok(cut.packets.length < 3 * 50, `Alpha's reply stopped with its worker (${cut.packets.length} of 150 frames)`);

    // Beta's worker never noticed: the whole reply, every packet in sequence, at its pitch.
    const beta = await betaHears;
    assertSequenceContinuous(beta);
    assert.ok(Math.abs(leftChannel(beta).length / 48_000 - 3) <= 0.06, `Beta heard ${leftChannel(beta).length / 48_000} s of 3 s`);
    assert.ok(Math.abs(dominantFrequency(leftChannel(beta), 48_000) - 660) <= 6.6);

    // Alpha's conversation survived: the next utterance is answered with the cut reply in its history.
    assert.notEqual(pool(world).workerOf(alphaId), undefined);
    const alphaHears = sim.botAudioIn('Alpha').nextUtterance(20_000);
    await alice.say(speechFixture('en_no_lead').path);
    const reply = await alphaHears;
    const request = fake.requests.at(-1)!;
    assert.ok(request.texts.some((text) => text.includes('Alice')));
    const history = request.messages.filter((m) => m.role === 'assistant').map((m) => String(m.content));
    assert.equal(history.length, 1);
    assert.match(history[0]!, /\[interrupted\]$/, 'the cut reply is remembered as cut');
    assertSequenceContinuous(reply);
    assert.ok(Math.abs(leftChannel(reply).length / 48_000 - 3) <= 0.06, `Alpha heard ${leftChannel(reply).length / 48_000} s of 3 s`);
  });

  test('/join in another channel moves the bot there and it answers in the new channel', async () => {
    const { sim } = world;
    const alice = sim.user('alice', 'Alpha');
    await alice.joinVoice('Lounge');
    const joined = await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
    assert.match(joined.content ?? '', /Joined Lounge/);
    assert.equal(sim.guild('Alpha').voiceStates.get(sim.botUserId)?.channelId, sim.channelId('Lounge', 'Alpha'));
    const heard = sim.botAudioIn('Alpha').nextUtterance(20_000);
    await alice.say(speechFixture('en_no_lead').path);
    assert.ok(Math.abs(dominantFrequency(leftChannel(await heard), 48_000) - 440) <= 4.4);
  });
});

describe('shutdown with 2 voice workers', () => {
  test('stopping during replies leaves every channel and ends the workers', async () => {
    const world = await startWorld({ sim: GUILDS, voiceWorkers: 2 });
    try {
      const { sim } = world;
      await joinBoth(world);
      const threads = [sim.guild('Alpha').id, sim.guild('Beta').id].map((id) => pool(world).workerOf(id)!.thread);
      const exited = threads.map((thread) => new Promise((resolve) => thread.once('exit', resolve)));
      await Promise.all([sim.user('alice', 'Alpha').say(speechFixture('en_no_lead').path), sim.user('bob', 'Beta').say(speechFixture('en_no_lead').path)]);
      await Promise.all([sim.botAudioIn('Alpha').nextAudioPacket(), sim.botAudioIn('Beta').nextAudioPacket()]);

      await world.bot.stop();
      await Promise.all(exited);
      for (const guild of ['Alpha', 'Beta']) assert.equal(sim.guild(guild).voiceStates.has(sim.botUserId), false, `the bot left ${guild}'s channel`);
    } finally {
      await world.close();
    }
  });
});

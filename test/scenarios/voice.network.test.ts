// Packets as the network and clients deliver them: a quarter of Alice's packets 40-60 ms late, every packet
// doubled, her client moving to a new SSRC mid-sentence and then losing packets, a run of random bytes before
// she speaks. Each time the model answers one request (a speculative one dropped at her 590 ms pause aside),
// and its spoken part is as long as hers within two frames and strongly correlated with it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RecordedRequest } from '../fakes/omni/types.ts';
import type { SayOptions } from '../sim/speech.ts';
import { alignedCorrelation, speechExtentMs, speechFixture } from './support.ts';
import { startWorld, type World } from './world.ts';

const FRAME_MS = 20;
const MODEL_RATE = 16_000;

let world: World;
before(async () => {
  world = await startWorld();
  const alice = world.sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
});
after(() => world.close());

type Speech = ReturnType<typeof speechFixture>;

function spokenMs(samples: Int16Array): number {
  const [onset, offset] = speechExtentMs(samples, MODEL_RATE);
  return offset - onset;
}

/**
 * Alice says `speech` (after `first`, if given); returns the answered requests made until they hold at least as
 * much audio as she spoke (one when the receive path works), once the reply to the last has been heard. A
 * speculative request the bot dropped because she went on after a pause (aborted, never answered) is not a
 * turn and is left out; a sentence split into turns still shows as two answered requests.
 */
async function say(speech: Speech, options: SayOptions, first?: () => Promise<void>): Promise<RecordedRequest[]> {
  const { sim, fake } = world;
  fake.script({ text: 'Got it.', audio: { toneHz: 440, seconds: 0.4 } });
  const replyHeard = sim.botAudio.nextUtterance(30_000);
  await first?.();
  await sim.user('alice').say(speech.path, options);
  const answered: RecordedRequest[] = [];
  for (let heldMs = 0; heldMs < spokenMs(speech.samples); ) {
    const request = await fake.nextRequest(20_000);
    if (await request.aborted) continue;
    answered.push(request);
    heldMs += ((request.audioInputs.at(-1)?.samples.length ?? 0) / MODEL_RATE) * 1000;
  }
  await replyHeard;
  return answered;
}

/** One request, holding Alice's speech: the same spoken length within two frames, strongly correlated. */
function assertOneRequestOf(requests: readonly RecordedRequest[], speech: Speech): void {
  assert.equal(requests.length, 1, `${requests.length} requests for one sentence`);
  const sent = requests[0]!.audioInputs.at(-1)!.samples;
  const expectedMs = spokenMs(speech.samples);
  const gotMs = spokenMs(sent);
  assert.ok(Math.abs(gotMs - expectedMs) <= 2 * FRAME_MS, `spoken part ${gotMs} ms, said ${expectedMs} ms`);
  const { correlation } = alignedCorrelation(sent, speech.samples);
  assert.ok(correlation > 0.8, `correlation with what she said ${correlation.toFixed(3)}`);
}

test('a quarter of the packets 40-60 ms late: the sentence, with its 590 ms pause, stays one request of the right length', async () => {
  const speech = speechFixture('en_gap600');
  const requests = await say(speech, { delayMs: (frame) => (frame % 4 === 1 ? 40 + ((frame * 7) % 21) : 0) });
  assertOneRequestOf(requests, speech);
});

test('every packet doubled: the model gets the speech once, not twice as long', async () => {
  const speech = speechFixture('en_pauses');
  const requests = await say(speech, { duplicate: () => true });
  assertOneRequestOf(requests, speech);
});

test('a new SSRC mid-sentence, then lost packets: the new stream is followed and its holes filled with silence', async () => {
  const speech = speechFixture('en_pauses');
  const switchAt = 60;
  const requests = await say(speech, { newSsrcAtFrame: switchAt, loss: (frame) => frame > switchAt && frame % 10 === 5 });
  assertOneRequestOf(requests, speech);
});

test('random bytes as Opus before she speaks: none of it reaches the model', async () => {
  const speech = speechFixture('en_pauses');
  const alice = world.sim.user('alice');
  const garbageSeconds = 2.5;
  const requests = await say(speech, {}, () => alice.say(new Int16Array(garbageSeconds * 48_000 * 2), { garbage: () => true, trailingSilence: false }));
  assertOneRequestOf(requests, speech);
});

// Scenario: turn-taking with speculative requests, the real bot between the simulator and the fake model at the
// default silence window and speculation threshold. Alice says "Let me think about that. | Actually, tell me a
// joke." with the pause between the phrases stretched by her client sending nothing (as Discord clients do):
// 550 ms is one turn and one reply; 1.2 s is two turns; 800 ms makes the bot send a speculative request that
// her going on aborts (the fake sees it), whose reply is never heard, whose cost shows in /usage, and the next
// request carries the whole utterance. The fake answers by the length of the speech it gets, so a reply tells
// which request it belongs to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import type { RecordedRequest } from '../fakes/omni/types.ts';
import { leftChannel, speechFixture } from './support.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
  const alice = world.sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
});
after(() => world.close());

/** pause_en_stop_300: phrase A ends at 1830 ms, phrase B starts at 2120 ms; frame 98 (1960 ms) lies between. */
const FIXTURE = speechFixture('pause_en_stop_300');
const PAUSE_FRAME = 98;
const FIXTURE_GAP_MS = 2120 - 1830;
const PHRASE_A_MS = 1830;
/** A request with less speech than this carries phrase A only (A is 1.5 s, pre-roll and tail add 0.5 s). */
const PHRASE_A_MAX_S = 2.4;

/** Alice says the two phrases with `pauseMs` between them; resolves when her last packet is sent. */
function say(pauseMs: number): Promise<void> {
  return world.sim.user('alice').say(FIXTURE.path, { pauses: [{ afterFrame: PAUSE_FRAME, ms: pauseMs - FIXTURE_GAP_MS }] });
}

const seconds = (request: RecordedRequest): number => request.audioInputs.at(-1)!.seconds;

/** Replies at `partHz` to a request carrying phrase A only, at `wholeHz` (0.6 s) to one carrying more. */
function answerBySpeech(partHz: number, partSeconds: number, wholeHz: number): void {
  world.fake.setReplyRule(({ audioInputs }) =>
    (audioInputs.at(-1)?.seconds ?? 0) < PHRASE_A_MAX_S
      ? { text: 'Part.', audio: { toneHz: partHz, seconds: partSeconds } }
      : { text: 'Whole.', audio: { toneHz: wholeHz, seconds: 0.6 } },
  );
}

test('defaults: a 900 ms window with speculation after 450 ms', () => {
  assert.equal(world.config.voice.silenceMs, 900);
  assert.equal(world.config.voice.speculationMs, 450);
});

test('a 550 ms pause is one turn with one reply, whose request carries both phrases', async () => {
  const { sim, fake } = world;
  answerBySpeech(300, 2, 440);
  const first = fake.requests.length;
  const heard = sim.botAudio.nextUtterance(20_000);
  await say(550);
  const reply = await heard;
  const requests = fake.requests.slice(first);
  const answered = requests.at(-1)!;
  assert.ok(seconds(answered) >= (FIXTURE.spokenMs + 550 - FIXTURE_GAP_MS) / 1000, `the request carries ${seconds(answered)} s`);
  assert.equal(await answered.aborted, false);
  for (const dropped of requests.slice(0, -1)) assert.equal(await dropped.aborted, true, 'any earlier request was a dropped speculation');
  assert.ok(Math.abs(dominantFrequency(leftChannel(reply), 48_000) - 440) < 5, 'the reply to the whole sentence');
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 0.6) < 0.1, 'one whole reply');
});

test('a 1.2 s pause is two turns: the first request carries the first phrase, the second the second', async () => {
  const { sim, fake } = world;
  answerBySpeech(440, 0.1, 500);
  const first = fake.requests.length;
  const heardFirst = sim.botAudio.nextUtterance(20_000);
  await say(1200);
  await heardFirst;
  await sim.botAudio.nextUtterance(20_000);
  const answered: RecordedRequest[] = [];
  for (const request of fake.requests.slice(first)) if (!(await request.aborted)) answered.push(request);
  assert.equal(answered.length, 2);
  assert.ok(seconds(answered[0]!) < PHRASE_A_MAX_S, `first turn: ${seconds(answered[0]!)} s`);
  assert.ok(seconds(answered[1]!) < (FIXTURE.spokenMs - PHRASE_A_MS + 600) / 1000, `second turn: ${seconds(answered[1]!)} s`);
});

test('going on after a speculative request aborts it, its reply is never heard, its cost is in /usage, and the next request has it all', async () => {
  const { sim, fake } = world;
  answerBySpeech(300, 2, 500);
  const first = fake.requests.length;
  const heard = sim.botAudio.nextUtterance(20_000);
  await say(800);
  const reply = await heard;
  const [dropped, answered, ...more] = fake.requests.slice(first);
  assert.equal(more.length, 0);
  assert.equal(await dropped!.aborted, true, 'the fake saw the speculative request abort');
  assert.ok(seconds(dropped!) < PHRASE_A_MAX_S, `the speculative request carried ${seconds(dropped!)} s`);
  assert.equal(await answered!.aborted, false);
  assert.ok(seconds(answered!) >= (FIXTURE.spokenMs + 800 - FIXTURE_GAP_MS) / 1000, `the request carries ${seconds(answered!)} s`);
  assert.ok(Math.abs(dominantFrequency(leftChannel(reply), 48_000) - 500) < 5, 'only the committed reply was heard');
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 0.6) < 0.1);

  const usage = await (await sim.user('alice').slash('usage')).reply();
  const today = (usage.embeds as Array<{ fields: Array<{ value: string }> }>)[0]!.fields[0]!.value;
  const wasted = Number(/speculative requests dropped[^:]*: ([\d,]+)/.exec(today)?.[1]?.replace(/,/g, ''));
  assert.ok(wasted > 0, `/usage shows the dropped request: ${today}`);
});

test('/limits speculation: off stops speculative requests in this server; default brings them back', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  const off = await (await alice.slash('limits', { speculation: 'off' })).reply();
  assert.match(off.content ?? '', /Speculative requests: off\./);
  answerBySpeech(300, 2, 500);
  const first = fake.requests.length;
  const heard = sim.botAudio.nextUtterance(20_000);
  await say(800);
  await heard;
  const requests = fake.requests.slice(first);
  assert.equal(requests.length, 1, 'no speculative request');
  assert.ok(seconds(requests[0]!) >= (FIXTURE.spokenMs + 800 - FIXTURE_GAP_MS) / 1000);
  const back = await (await alice.slash('limits', { speculation: 'default' })).reply();
  assert.match(back.content ?? '', /Speculative requests: on \(bot default\)\./);
});

// One owner of a guild's audio, end to end: a voice turn that ends while a spoken chat answer plays gets its
// reply after the answer, never over it; a preview asked for while a reply plays is refused and the reply
// plays whole; talking over a spoken chat answer stops it; a reply that waited behind a chat answer and is
// then cut keeps only what was heard in history; a chat answer still being prepared when someone starts talking
// is never spoken. What the channel heard is told apart by pitch.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { dominantFrequency } from '../audio/signal.ts';
import type { RecordedRequest } from '../fakes/omni/types.ts';
import type { Utterance as BotUtterance } from '../sim/botAudio.ts';
import { makePng } from '../support/images.ts';
import { leftChannel, speechFixture } from './support.ts';
import { startWorld, type World } from './world.ts';

const CHAT_HZ = 523;
const ALICE_REPLY_HZ = 440;
const BOB_REPLY_HZ = 330;
const CHAT_QUESTION = 'what is this?';
const LONG_ANSWER =
  'Well, there are many things to say about that. First of all, the weather has been unusual this year, and second, ' +
  'the forecasts keep changing from one day to the next, which makes planning anything outdoors rather difficult for everyone.';

let world: World;
before(async () => {
  world = await startWorld();
  const { sim } = world;
  await sim.user('alice').joinVoice('General');
  await sim.user('bob').joinVoice('General');
  await (await sim.user('alice').slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
});
after(() => world.close());
beforeEach(async () => {
  await (await world.sim.user('alice').slash('reset')).reply();
});

/** Answers by request: the chat question, Bob's turn, or Alice's turn (the last text names the speaker). */
function replies(options: { chatSeconds: number; aliceSeconds: number; aliceText?: string; chatDelayMs?: number }): void {
  world.fake.setReplyRule((request) => {
    if (request.texts.some((text) => text.includes(CHAT_QUESTION)))
      return {
        text: 'A small gradient, described out loud.',
        audio: { toneHz: CHAT_HZ, seconds: options.chatSeconds },
        chunkIntervalMs: 5,
        ...(options.chatDelayMs ? { firstByteDelayMs: options.chatDelayMs } : {}),
      };
    if (request.texts.at(-1)?.includes('[Bob is speaking]')) return { text: 'Yes, Bob?', audio: { toneHz: BOB_REPLY_HZ, seconds: 0.5 } };
    return { text: options.aliceText ?? 'Here is my answer.', audio: { toneHz: ALICE_REPLY_HZ, seconds: options.aliceSeconds } };
  });
}

/** Alice asks about an image in chat (she is in the bot's voice channel, so the answer is spoken there). */
async function postImage(): Promise<void> {
  const { sim } = world;
  await sim.user('alice').post({ content: `${sim.botMention} ${CHAT_QUESTION}`, attachments: [{ name: 'g.png', data: makePng(64, 32) }] });
}

/** The bot's next chat answer in #general: a message posted from now on, not a command's reply. */
function nextChatAnswer(timeoutMs: number) {
  const { sim } = world;
  const earlier = new Set(sim.messages('general').map((m) => m.id));
  return sim.nextMessage({ channel: 'general', timeoutMs, matching: (m) => m.interactionId === null && !earlier.has(m.id) });
}

/** Alice says a sentence; the image is posted half a second in, so the answer starts while she talks. */
async function aliceTalksWhileAnswerStarts(): Promise<void> {
  let halfway!: () => void;
  const posted = new Promise<void>((resolve) => {
    halfway = resolve;
  });
  const said = world.sim.user('alice').say(speechFixture('en_no_lead').path, { onFrameSent: (frame) => frame === 25 && halfway() });
  await posted;
  await postImage();
  await said;
}

function seconds(utterance: BotUtterance): number {
  return leftChannel(utterance).length / 48_000;
}

function pitch(utterance: BotUtterance, fromSeconds = 0): number {
  return dominantFrequency(leftChannel(utterance).subarray(Math.round(fromSeconds * 48_000)), 48_000);
}

/** Every packet of the burst follows the one before it (RTP sequence numbers wrap at 2^16). */
function assertSequenceContinuous(utterance: BotUtterance): void {
  for (let i = 1; i < utterance.packets.length; i++) {
    const step = (utterance.packets[i]!.sequence - utterance.packets[i - 1]!.sequence + 65_536) % 65_536;
    assert.equal(step, 1, `packet ${i} of ${utterance.packets.length} follows a gap in sequence numbers`);
  }
}

/** The next request whose last text names `speaker` (earlier ones are skipped). */
async function nextTurnRequest(speaker: string): Promise<RecordedRequest> {
  for (;;) {
    const request = await world.fake.nextRequest(30_000);
    if (request.texts.at(-1)?.includes(`[${speaker} is speaking]`)) return request;
  }
}

test('a voice turn that ends while a chat answer is spoken: the answer plays to its end, then the reply', async () => {
  const { sim } = world;
  replies({ chatSeconds: 5, aliceSeconds: 1.5 });
  const answerHeard = sim.botAudio.nextUtterance(30_000);
  const aliceRequest = nextTurnRequest('Alice');
  await aliceTalksWhileAnswerStarts();
  const answer = await answerHeard;
  const replyHeard = await sim.botAudio.nextUtterance(30_000);

  // The reply's audio reached the bot while the answer was still playing: the two did overlap.
  const replyAudioAt = await (await aliceRequest).firstAudioAt;
  assert.ok(replyAudioAt !== undefined && replyAudioAt < answer.endedAt, 'the reply was ready before the answer ended');

  assert.ok(Math.abs(seconds(answer) - 5) <= 0.1, `the answer played ${seconds(answer)} s of 5 s`);
  assert.ok(Math.abs(pitch(answer) - CHAT_HZ) <= 5, 'the answer at its pitch');
  assert.ok(Math.abs(pitch(answer, 4.5) - CHAT_HZ) <= 10, 'to its last half second: nothing replaced it');
  assertSequenceContinuous(answer);
  assert.ok(replyHeard.startedAt > answer.endedAt);
  assert.ok(Math.abs(seconds(replyHeard) - 1.5) <= 0.1, `the reply played ${seconds(replyHeard)} s of 1.5 s`);
  assert.ok(Math.abs(pitch(replyHeard) - ALICE_REPLY_HZ) <= 4.4, 'then the reply at its pitch');
  assertSequenceContinuous(replyHeard);
});

test('a preview asked for while a reply plays is refused, and the reply plays whole', async () => {
  const { sim, fake } = world;
  replies({ chatSeconds: 1, aliceSeconds: 8 });
  const alice = sim.user('alice');
  const replyHeard = sim.botAudio.nextUtterance(30_000);
  const aliceRequest = nextTurnRequest('Alice');
  await alice.say(speechFixture('en_no_lead').path);
  await aliceRequest;
  for (let played = 0; played < 25; played++) await sim.botAudio.nextAudioPacket(20_000);

  const requests = fake.requests.length;
  const preview = await alice.slash('voice preview', { voice: 'Kiki' });
  const refusal = await preview.reply({ timeoutMs: 15_000 });
  assert.equal(refusal.content, "I'm talking right now; try the preview in a moment.");
  assert.equal(fake.requests.length, requests, 'no preview was asked of the model');

  const reply = await replyHeard;
  assert.ok(Math.abs(seconds(reply) - 8) <= 0.1, `the reply played ${seconds(reply)} s of 8 s`);
  assert.ok(Math.abs(pitch(reply) - ALICE_REPLY_HZ) <= 4.4);
  assert.ok(Math.abs(pitch(reply, 7) - ALICE_REPLY_HZ) <= 10, 'to its last second: the preview never played over it');
  assertSequenceContinuous(reply);
});

test('talking over a spoken chat answer stops it; the text answer stays whole in chat', async () => {
  const { sim } = world;
  replies({ chatSeconds: 8, aliceSeconds: 1 });
  const answerHeard = sim.botAudio.nextUtterance(30_000);
  const inChat = nextChatAnswer(15_000);
  await postImage();
  const text = await sim.messageSettles(await inChat, (m) => /out loud\.$/.test(m.content ?? ''));
  for (let played = 0; played < 50; played++) await sim.botAudio.nextAudioPacket(20_000);

  const bobRequest = nextTurnRequest('Bob');
  await sim.user('bob').say(speechFixture('en_no_lead').path);
  const answer = await answerHeard;
  assert.ok(seconds(answer) < 4, `the 8 s answer stopped after ${seconds(answer)} s`);
  assert.ok(Math.abs(pitch(answer) - CHAT_HZ) <= 5);
  assert.equal(text.content, 'A small gradient, described out loud.');

  // It stopped as Bob began, not when his reply came: the answer ended before his turn reached the model.
  assert.ok(answer.endedAt < (await bobRequest).receivedAt, "the answer ended before Bob's turn was even sent");
  const bobReply = await sim.botAudio.nextUtterance(30_000);
  assert.ok(Math.abs(pitch(bobReply) - BOB_REPLY_HZ) <= 4, "then Bob's reply");
});

test('a chat answer still being prepared when someone starts talking is not spoken; its text is posted whole', async () => {
  const { sim, fake } = world;
  replies({ chatSeconds: 2, aliceSeconds: 1, chatDelayMs: 3_000 });
  const inChat = nextChatAnswer(20_000);
  const chatRequest = fake.nextRequest(15_000);
  await postImage();
  assert.ok(
    (await chatRequest).texts.some((text) => text.includes(CHAT_QUESTION)),
    'the chat question is with the model',
  );

  const heard = sim.botAudio.nextUtterance(30_000);
  const bobRequest = nextTurnRequest('Bob');
  await sim.user('bob').say(speechFixture('en_no_lead').path);
  const text = await sim.messageSettles(await inChat, (m) => /out loud\.$/.test(m.content ?? ''), 20_000);
  assert.equal(text.content, 'A small gradient, described out loud.');
  await bobRequest;
  const first = await heard;
  assert.ok(Math.abs(pitch(first) - BOB_REPLY_HZ) <= 4, `the first sound after Bob spoke is his reply (${pitch(first)} Hz), not the chat answer`);
  assert.ok(Math.abs(seconds(first) - 0.5) <= 0.1);
});

test('a reply that waited behind a chat answer and is then cut keeps only what was heard in history', async () => {
  const { sim } = world;
  replies({ chatSeconds: 4, aliceSeconds: 8, aliceText: LONG_ANSWER });
  const answerHeard = sim.botAudio.nextUtterance(30_000);
  const replyHeard = sim.botAudio.nextUtterance(40_000);
  const aliceRequest = nextTurnRequest('Alice');
  await aliceTalksWhileAnswerStarts();
  const answer = await answerHeard;
  assert.ok(Math.abs(seconds(answer) - 4) <= 0.1, `the answer played ${seconds(answer)} s of 4 s`);
  const replyAudioAt = await (await aliceRequest).firstAudioAt;
  assert.ok(replyAudioAt !== undefined && replyAudioAt < answer.endedAt, 'the reply waited behind the answer');

  // About a second of the reply, then Bob talks over it.
  for (let played = 0; played < 50; played++) await sim.botAudio.nextAudioPacket(20_000);
  const bobRequest = nextTurnRequest('Bob');
  await sim.user('bob').say(speechFixture('en_no_lead').path);
  const cut = await replyHeard;
  assert.ok(seconds(cut) < 4, `the 8 s reply stopped after ${seconds(cut)} s`);
  assert.ok(Math.abs(pitch(cut) - ALICE_REPLY_HZ) <= 4.4);

  const next = await bobRequest;
  const assistant = next.messages.filter((m) => m.role === 'assistant').map((m) => String(m.content));
  assert.equal(assistant.length, 1, 'the conversation since /reset: one reply');
  assert.match(assistant[0]!, / \[interrupted\]$/);
  const heard = assistant[0]!.replace(/ \[interrupted\]$/, '');
  assert.ok(LONG_ANSWER.startsWith(heard), 'the kept text is the start of the reply');
  // Heard for about as long as it played, not for as long as it waited: well under half of it.
  assert.ok(heard.length > 0 && heard.length < LONG_ANSWER.length / 2, `kept ${heard.length} of ${LONG_ANSWER.length} characters`);
  await sim.botAudio.nextUtterance(30_000);
});

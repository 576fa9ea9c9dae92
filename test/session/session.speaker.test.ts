// The session speaks through the guild's speaker: a reply ready while a spoken chat answer plays waits for it
// (the session keeps thinking, the channel hears the whole answer, then the whole reply, and history records
// the reply whole), and someone the session listens to starting to talk stops a chat answer at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { GuildSpeaker, SpeechHandle } from '../../src/playback/GuildSpeaker.ts';
import { channel, dominantFrequency, sine } from '../audio/signal.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

const CHAT_HZ = 523;
const REPLY_HZ = 440;

/** A spoken chat answer of `seconds` at CHAT_HZ, playing (not ended) on the speaker. */
function chatAnswer(speaker: GuildSpeaker, seconds: number): SpeechHandle {
  const chat = speaker.speak({ kind: 'chat', jitterMs: 60 });
  chat.push(sine({ frequency: CHAT_HZ, sampleRate: 24_000, seconds, amplitude: 0.4 }));
  return chat;
}

/** Resolves with the session's reply once the session has given it all its audio. */
function replyEnded(speaker: GuildSpeaker): Promise<SpeechHandle> {
  const speak = speaker.speak.bind(speaker);
  return new Promise((resolve) => {
    speaker.speak = (request) => {
      const handle = speak(request);
      if (request.kind === 'reply') {
        const end = handle.end.bind(handle);
        handle.end = () => {
          end();
          resolve(handle);
        };
      }
      return handle;
    };
  });
}

test('a reply ready while a chat answer plays waits for it to finish, then plays whole and is recorded whole', async () => {
  const h = createSessionHarness(fake);
  const chat = chatAnswer(h.speaker, 1);
  const [chatPlayback] = h.output.plays;
  assert.ok(chatPlayback, 'the chat answer is playing');

  const heardBeforeReply: number[] = [];
  h.session.on('stateChange', (_old, next) => {
    if (next.status === 'speaking') heardBeforeReply.push(chatPlayback.playedMs());
  });
  const text = 'This comes after the answer in chat.';
  fake.script({ text, audio: { toneHz: REPLY_HZ, seconds: 0.5 } });
  const ended = replyEnded(h.speaker);
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const reply = await ended;

  assert.equal(h.session.state.status, 'thinking', 'the reply waits: the session is not speaking yet');
  assert.equal(reply.started, false);
  assert.equal(h.output.plays.length, 1, 'nothing replaced the chat answer');
  assert.equal(chatPlayback.stopped, false);

  chat.end();
  const outcome = await done;
  assert.equal(outcome.interrupted, false);
  assert.ok(Math.abs(outcome.playedMs - 500) <= 25, `played ${outcome.playedMs} ms of the reply`);
  assert.deepEqual(heardBeforeReply, [chatPlayback.playedMs()], 'the reply started only once the chat answer had ended');
  assert.ok(Math.abs(chatPlayback.playedMs() - 1000) <= 25, `the chat answer played ${chatPlayback.playedMs()} ms of 1 s`);
  assert.equal(h.session.history.entries.at(-1)?.text, text);

  const [first, second] = h.output.plays.map((play) => channel(play.samples(), 2, 0));
  assert.ok(Math.abs(dominantFrequency(first!, 48_000) - CHAT_HZ) <= 6, 'first the chat answer');
  assert.ok(Math.abs(dominantFrequency(second!, 48_000) - REPLY_HZ) <= 5, 'then the reply');
});

test('someone the session listens to starting to talk stops a chat answer; in only-me mode others do not', async () => {
  const h = createSessionHarness(fake);
  h.settings.mode = 'only-me';
  h.settings.onlyUser = 'alice';
  const chat = chatAnswer(h.speaker, 2);
  const playback = h.output.plays[0]!;
  h.session.onSpeechStart('bob');
  assert.equal(playback.stopped, false, 'Bob is not listened to');

  h.session.onSpeechStart('alice');
  assert.equal(playback.stopped, true, 'Alice stops it at once');
  await chat.finished;
  assert.equal(h.session.state.status, 'listening');
  assert.equal(h.speaker.busy, false);
});

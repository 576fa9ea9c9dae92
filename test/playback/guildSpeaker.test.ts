// The guild's one speech owner: one sound at a time, nothing audible replaced, waiting sounds served by
// precedence (reply > chat answer > preview, then first come first served), chat answers and previews give
// up after their bounded wait (mock clock), and barge-in stops every chat answer and preview but no reply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GuildSpeaker, SPEECH_KINDS, type SpeechKind } from '../../src/playback/GuildSpeaker.ts';
import type { PlaybackHandle, ReplyOptions, VoiceOutput } from '../../src/playback/VoiceOutput.ts';

/** A reply on the gated output: it plays until the test finishes it or something stops it. */
class GatedReply implements PlaybackHandle {
  readonly finished: Promise<number>;
  readonly samples: number[] = [];
  ended = false;
  stopped = false;
  readonly #jitterSamples: number;
  #resolve!: (playedMs: number) => void;

  constructor(options: ReplyOptions) {
    this.#jitterSamples = (options.jitterMs / 1000) * 24_000;
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get receivedMs(): number {
    return (this.samples.reduce((sum, n) => sum + n, 0) / 24_000) * 1000;
  }

  get started(): boolean {
    const samples = this.samples.reduce((sum, n) => sum + n, 0);
    return samples >= this.#jitterSamples || (this.ended && samples > 0);
  }

  push(pcm: Int16Array): void {
    this.samples.push(pcm.length);
  }

  end(): void {
    this.ended = true;
  }

  stop(): void {
    this.stopped = true;
    this.#resolve(this.receivedMs / 2);
  }

  /** The channel has heard all of it. */
  finish(): void {
    this.#resolve(this.receivedMs);
  }
}

/** Records every reply the speaker starts on the output, in order. */
class GatedOutput implements VoiceOutput {
  readonly replies: GatedReply[] = [];

  startReply(options: ReplyOptions): GatedReply {
    const reply = new GatedReply(options);
    this.replies.push(reply);
    return reply;
  }
}

const ms = (duration: number): Int16Array => new Int16Array((duration / 1000) * 24_000);
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The speaker on a gated output; `playing` lists the sounds in the order the channel started hearing them. */
function setup() {
  const output = new GatedOutput();
  const speaker = new GuildSpeaker(output);
  const playing: string[] = [];
  const speak = (kind: SpeechKind, name: string) => speaker.speak({ kind, jitterMs: 100, onPlaying: () => playing.push(name) });
  return { output, speaker, playing, speak };
}

test('a reply that is ready while a chat answer plays waits for it, then plays everything it held', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, playing, speak } = setup();
  const chat = speak('chat', 'chat');
  chat.push(ms(500));
  assert.deepEqual(playing, ['chat']);
  assert.equal(speaker.busy, true);

  const reply = speak('reply', 'reply');
  reply.push(ms(200));
  reply.push(ms(300));
  reply.end();
  assert.equal(output.replies.length, 1, 'the chat answer is not replaced');
  assert.equal(reply.started, false);
  assert.equal(output.replies[0]!.stopped, false);

  chat.end();
  output.replies[0]!.finish();
  assert.equal(await chat.finished, 500);
  assert.equal(output.replies.length, 2, 'the reply follows');
  assert.deepEqual(playing, ['chat', 'reply']);
  assert.equal(output.replies[1]!.receivedMs, 500, 'with the audio it held while waiting');
  assert.equal(output.replies[1]!.ended, true);
  output.replies[1]!.finish();
  assert.equal(await reply.finished, 500);
  assert.equal(speaker.busy, false);
});

test('waiting sounds go by precedence, then first come first served', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speak } = setup();
  const first = speak('preview', 'playing preview');
  first.push(ms(200));
  const order = [speak('preview', 'preview 1'), speak('chat', 'chat 1'), speak('reply', 'reply 1'), speak('chat', 'chat 2'), speak('reply', 'reply 2')];
  const names = ['preview 1', 'chat 1', 'reply 1', 'chat 2', 'reply 2'];
  const playing: string[] = [];
  order.forEach((speech, i) => {
    speech.push(ms(100));
    speech.end();
    void speech.finished.then(() => playing.push(names[i]!));
  });
  for (let i = 0; i < 6; i++) {
    output.replies.at(-1)!.finish();
    await settled();
  }
  assert.deepEqual(playing, ['reply 1', 'reply 2', 'chat 1', 'chat 2', 'preview 1']);
  assert.equal(output.replies.length, 6);
});

test('a chat answer or preview gives up after its bounded wait; a reply waits as long as it takes', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speak } = setup();
  const chat = speak('chat', 'chat');
  chat.push(ms(300));
  const preview = speak('preview', 'preview');
  preview.push(ms(200));
  const reply = speak('reply', 'reply');
  reply.push(ms(200));

  t.mock.timers.tick(SPEECH_KINDS.preview.maxWaitMs - 1);
  assert.equal(preview.refused, false);
  t.mock.timers.tick(1);
  assert.equal(preview.refused, true, 'the preview gave up');
  assert.equal(await preview.finished, 0);

  t.mock.timers.tick(60_000);
  assert.equal(reply.refused, false, 'the reply still waits');
  assert.equal(output.replies.length, 1, 'and still nothing replaced the chat answer');

  output.replies[0]!.finish();
  await chat.finished;
  assert.equal(output.replies.length, 2);
  assert.equal(output.replies[1]!.receivedMs, 200, 'the reply plays, not the refused preview');
});

test('a chat answer waiting behind a reply is refused once its wait is over, without ever reaching the output', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speak } = setup();
  speak('reply', 'reply').push(ms(300));
  const chat = speak('chat', 'chat');
  chat.push(ms(100));
  t.mock.timers.tick(SPEECH_KINDS.chat.maxWaitMs);
  assert.equal(chat.refused, true);
  chat.push(ms(100));
  output.replies[0]!.finish();
  await settled();
  assert.equal(output.replies.length, 1);
});

test('barge-in stops chat answers and previews, playing, waiting or not yet ready; replies stay with the session', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, speak } = setup();
  const chat = speak('chat', 'chat');
  chat.push(ms(400));
  const preview = speak('preview', 'preview');
  preview.push(ms(100));
  const laterChat = speak('chat', 'later chat');
  const reply = speak('reply', 'reply');
  reply.push(ms(200));

  speaker.bargeIn();
  assert.equal(output.replies[0]!.stopped, true, 'the chat answer playing stopped at once');
  assert.ok((await chat.finished) < 400);
  assert.equal(chat.refused, false, 'the chat answer was heard in part');
  assert.equal(await preview.finished, 0);
  assert.equal(preview.refused, true, 'the waiting preview never got the output');
  laterChat.push(ms(300));
  assert.equal(await laterChat.finished, 0, 'a chat answer whose audio came after the barge-in is not played');
  assert.equal(laterChat.refused, true);
  assert.equal(output.replies.length, 2, 'the waiting reply took the output');
  assert.equal(output.replies[1]!.receivedMs, 200);
  assert.equal(output.replies[1]!.stopped, false);
});

test('a sound ended without audio never takes the output; a stopped waiting sound leaves the queue', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, speak } = setup();
  const empty = speak('chat', 'empty');
  empty.end();
  assert.equal(await empty.finished, 0);
  assert.equal(output.replies.length, 0);

  const playing = speak('reply', 'playing');
  playing.push(ms(200));
  const waiting = speak('reply', 'waiting');
  waiting.push(ms(100));
  waiting.stop();
  assert.equal(await waiting.finished, 0);
  output.replies[0]!.finish();
  await playing.finished;
  await settled();
  assert.equal(output.replies.length, 1);
  assert.equal(speaker.busy, false);
});

test('untilQuiet resolves when the last sound ends, or false after its wait (mock clock)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, speak } = setup();
  assert.equal(await speaker.untilQuiet(10), true);
  speak('chat', 'chat').push(ms(100));
  const late = speaker.untilQuiet(1_000);
  t.mock.timers.tick(1_000);
  assert.equal(await late, false);
  const quiet = speaker.untilQuiet(1_000);
  output.replies[0]!.finish();
  assert.equal(await quiet, true);
});

test('stopAll stops replies too, and the output is free for the next sound', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, speak } = setup();
  const reply = speak('reply', 'reply');
  reply.push(ms(200));
  const chat = speak('chat', 'chat');
  chat.push(ms(100));
  speaker.stopAll();
  assert.equal(output.replies[0]!.stopped, true);
  assert.equal(await chat.finished, 0);
  assert.equal(speaker.busy, false);
  speak('preview', 'preview').push(ms(200));
  assert.equal(output.replies.length, 2, 'a later sound plays at once');
});

test('close stops everything, and what asks later ends at once', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { output, speaker, speak } = setup();
  const chat = speak('chat', 'chat');
  chat.push(ms(200));
  speaker.close();
  assert.equal(output.replies[0]!.stopped, true);
  const after = speak('reply', 'after');
  after.push(ms(200));
  assert.equal(await after.finished, 0);
  assert.equal(output.replies.length, 1);
});

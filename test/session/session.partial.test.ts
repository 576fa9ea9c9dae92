// Pins partial replies: a reply cut by the stream (dropped connection, malformed event, error event) plays
// the audio that did arrive to its end, then gives the notice, and history keeps what was heard; a reply that
// reaches MAX_REPLY_SECONDS ends cleanly at a frame boundary, its request stopped, with no error notice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INTERRUPTED_MARK } from '../../src/session/History.ts';
import { channel } from '../audio/signal.ts';
import { startFakeOmni, type FakeOmni, type ScriptedReply } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
let paced: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
  paced = await startFakeOmni({ realtime: true });
});
after(async () => {
  await fake.close();
  await paced.close();
});

const TEXT = 'Part of an answer that was cut off.';
// The role chunk, four text chunks, then four 80 ms audio chunks: 320 ms of audio arrives.
const AFTER_320_MS = 1 + 4 + 4;

const cuts: Array<[string, ScriptedReply, RegExp]> = [
  ['a dropped connection', { dropAfterChunks: AFTER_320_MS }, /lost mid-answer/],
  ['a malformed event', { malformedAfterChunks: AFTER_320_MS }, /lost mid-answer/],
  ['an error event', { midStreamError: { afterChunks: AFTER_320_MS, code: 'internal_error', message: 'boom' } }, /stopped with an error mid-answer/],
];

for (const [what, fault, notice] of cuts) {
  test(`${what} mid-reply: the audio received is played to its end, then the notice`, async () => {
    const h = createSessionHarness(fake);
    fake.script({ text: TEXT, audio: { toneHz: 440, seconds: 1 }, ...fault });
    const played = h.output.nextPlay();
    const done = h.nextTurn();
    h.session.onUtterance(utterance('alice'));
    const playback = await played;
    let noticesWhenPlayed = -1;
    void playback.finished.then(() => (noticesWhenPlayed = h.posts.length));
    const outcome = await done;
    assert.equal(noticesWhenPlayed, 0, 'the notice comes after what was received has played');
    const seconds = channel(playback.samples(), 2, 0).length / 48_000;
    assert.ok(seconds >= 0.32 && seconds <= 0.341, `played ${seconds} s of the 0.32 s received`);
    assert.equal(outcome.cut, 'failure');
    assert.equal(h.posts.length, 1);
    assert.match(h.posts[0]!, notice);
    const kept = h.session.history.entries.at(-1);
    assert.equal(kept?.role, 'assistant');
    assert.ok(kept.text.endsWith(INTERRUPTED_MARK), 'history marks the reply as cut');
    assert.ok(TEXT.startsWith(kept.text.slice(0, -INTERRUPTED_MARK.length)));
  });
}

test('a reply longer than the limit ends cleanly at it: request stopped, no error notice', async () => {
  const h = createSessionHarness(paced, { maxReplyMs: 1000 });
  const long = 'This answer goes on and on and on, far longer than anyone asked for, and then it goes on some more.';
  paced.script({ text: long, audio: { toneHz: 440, seconds: 3 } });
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const request = await paced.nextRequest();
  const playback = await played;
  const outcome = await done;
  assert.equal(await request.aborted, true, 'the request was stopped');
  const samples = channel(playback.samples(), 2, 0).length;
  assert.equal(samples % 960, 0, 'ends at a 20 ms frame boundary');
  assert.ok(samples / 48_000 >= 1 && samples / 48_000 <= 1.02, `played ${samples / 48_000} s`);
  assert.equal(outcome.cut, 'length-limit');
  assert.equal(outcome.interrupted, false);
  assert.equal(outcome.error, undefined);
  assert.deepEqual(h.posts, []);
  const kept = h.session.history.entries.at(-1);
  assert.ok(kept?.role === 'assistant' && kept.text.endsWith(INTERRUPTED_MARK));
  assert.ok(kept.text.length < long.length);
});

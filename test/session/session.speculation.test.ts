// Pins speculative requests in the session: a request sent on a tentative end plays nothing until the turn is
// committed (then it plays at once, with history and usage as any turn); a speaker who goes on drops it (the
// request is aborted, its cost lands in the ledger as speculative, nothing is heard or remembered) and the next
// request carries the whole utterance; no speculation when it is switched off or when the turn would queue;
// addressed mode and barge-in work on speculative turns as on any other.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { concatSamples } from '../../src/audio/pcm.ts';
import { INTERRUPTED_MARK } from '../../src/session/History.ts';
import { SILENT_MARKER } from '../../src/session/prompt.ts';
import { channel, dominantFrequency } from '../audio/signal.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('a speculative reply is held until the turn is committed, then played; history and usage as usual', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Held reply.', audio: { toneHz: 440, seconds: 0.4 } });
  let committed = false;
  h.output.events.on('play', () => assert.ok(committed, 'a reply played before its turn was committed'));
  const said = utterance('alice', 1, 250);
  h.session.onTentativeEnd(said);
  const request = await fake.nextRequest();
  assert.ok(Math.abs(request.audioInputs.at(-1)!.seconds - 1) < 0.001);
  await request.firstAudioAt;
  assert.equal(h.session.state.status, 'thinking');
  assert.equal(h.usage.length, 0, 'usage waits for the commit');
  assert.equal(h.speaker.busy, false, 'an uncommitted reply takes no place with the speaker');

  const played = h.output.nextPlay();
  const done = h.nextTurn();
  committed = true;
  h.session.onUtterance({ ...said, endedAtMs: said.endedAtMs + 450 });
  const playback = await played;
  const outcome = await done;
  assert.equal(outcome.text, 'Held reply.');
  const left = channel(playback.samples(), 2, 0);
  assert.ok(Math.abs(left.length / 48_000 - 0.4) <= 0.021, `played ${left.length / 48_000} s`);
  assert.ok(Math.abs(dominantFrequency(left, 48_000) - 440) < 4.4);
  assert.equal(fake.requests.length, 1, 'the commit sent nothing more');
  assert.equal(await request.aborted, false);
  assert.deepEqual(
    h.session.history.entries.map((e) => e.role),
    ['user', 'assistant'],
  );
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [false],
  );
  assert.ok(h.session.recentTimings[0]!.toRequestMs < 0, 'the request went out before the turn ended');
});

test('a speaker who goes on drops the speculative request: aborted, never heard, its cost recorded; the next request has it all', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Too early.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Whole answer.', audio: { toneHz: 500, seconds: 0.5 } });
  const first = utterance('alice', 1, 250);
  h.session.onTentativeEnd(first);
  const speculative = await fake.nextRequest();
  const dropped = once(h.session, 'speculationDropped');

  h.session.onResumed('alice');
  assert.equal(await speculative.aborted, true, 'the fake saw the request abort');
  const [{ speakerId, usage }] = (await dropped) as [{ speakerId: string; usage: { input: { audio: number; total: number } } }];
  assert.equal(speakerId, 'alice');
  assert.equal(usage.input.audio, 13, '1 s of audio at 12.5 tokens/s, rounded up');
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [true],
  );
  assert.equal(h.session.history.entries.length, 0);

  const rest = utterance('alice', 0.6, 330);
  const whole = { ...first, samples: concatSamples([first.samples, rest.samples]) };
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(whole);
  const second = await fake.nextRequest();
  assert.ok(Math.abs(second.audioInputs.at(-1)!.seconds - 1.6) < 0.001, 'the second request carries the whole utterance');
  const playback = await played;
  const outcome = await done;
  assert.equal(outcome.text, 'Whole answer.');
  assert.equal(h.output.plays.length, 1, 'only the committed reply was played');
  const left = channel(playback.samples(), 2, 0);
  assert.ok(Math.abs(dominantFrequency(left, 48_000) - 500) < 5);
  assert.deepEqual(
    h.session.history.entries.map((e) => e.text ?? e.role),
    [h.session.history.entries[0]!.text, 'Whole answer.'],
  );
  assert.equal(h.session.history.entries.length, 2);
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [true, false],
  );
});

test('a committed utterance that differs from the speculative one replaces it', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Stale.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Fresh.', audio: { toneHz: 500, seconds: 0.3 } });
  h.session.onTentativeEnd(utterance('alice', 1, 250));
  const speculative = await fake.nextRequest();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 1.3, 250));
  assert.equal(await speculative.aborted, true);
  const second = await fake.nextRequest();
  assert.ok(Math.abs(second.audioInputs.at(-1)!.seconds - 1.3) < 0.001);
  assert.equal((await done).text, 'Fresh.');
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [true, false],
  );
});

test('no speculation when the server switched it off, nor when the turn would have to wait its place', async () => {
  const h = createSessionHarness(fake);
  h.settings.speculate = false;
  const before = fake.requests.length;
  h.session.onTentativeEnd(utterance('alice', 1));
  assert.equal(h.session.state.status, 'listening');

  h.settings.speculate = true;
  fake.script({ text: 'Alice first.', audio: { toneHz: 440, seconds: 0.1 }, firstByteDelayMs: 200 });
  fake.script({ text: 'Then Bob.', audio: { toneHz: 440, seconds: 0.1 } });
  let done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 1));
  await fake.nextRequest();
  h.session.onTentativeEnd(utterance('bob', 0.5));
  assert.equal(fake.requests.length, before + 1, 'Bob waits for his turn: no request for him yet');
  h.session.onUtterance(utterance('bob', 0.5));
  assert.deepEqual(h.session.queue, ['bob']);
  await done;
  done = h.nextTurn();
  assert.ok((await fake.nextRequest()).texts.at(-1)?.includes('Bob'));
  await done;
  assert.equal(fake.requests.length, before + 2);
});

test('a reset while a speculative request is out drops it and remembers nothing', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'Never.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  h.session.onTentativeEnd(utterance('alice', 1));
  const speculative = await fake.nextRequest();
  const dropped = once(h.session, 'speculationDropped');
  h.session.reset();
  assert.equal(await speculative.aborted, true);
  await dropped;
  assert.equal(h.output.plays.length, 0);
  assert.equal(h.session.history.entries.length, 0);
});

test('addressed mode: a speculative reply that is the silent marker stays silent after the commit', async () => {
  const h = createSessionHarness(fake);
  h.settings.mode = 'addressed';
  fake.script({ text: SILENT_MARKER, audio: { toneHz: 440, seconds: 1 } });
  const said = utterance('alice');
  h.session.onTentativeEnd(said);
  await fake.nextRequest();
  const done = h.nextTurn();
  h.session.onUtterance(said);
  assert.equal((await done).silent, true);
  assert.equal(h.output.plays.length, 0);
  assert.equal(h.session.history.entries.length, 0);
});

test('barge-in on a committed speculative reply stops it and history keeps what was heard', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'One two three four five six seven eight nine ten eleven twelve.', audio: { toneHz: 440, seconds: 3 } });
  const said = utterance('alice');
  h.session.onTentativeEnd(said);
  await fake.nextRequest();
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(said);
  const playback = await played;
  await playback.reached(200);
  h.session.onSpeechStart('bob');
  assert.equal(playback.stopped, true);
  const outcome = await done;
  assert.equal(outcome.interrupted, true);
  assert.ok(outcome.playedMs >= 200 && outcome.playedMs < 3000, `played ${outcome.playedMs} ms`);
  assert.match(h.session.history.entries.at(-1)?.text ?? '', new RegExp(`${INTERRUPTED_MARK.replace(/[[\]]/g, '\\$&')}$`));
});

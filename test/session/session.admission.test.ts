// Pins the shared admission in the session: a turn starts on memory's word (its request goes out at once) but
// nothing of its reply plays until the database's atomic admission confirms it; refused, the request is
// aborted, the person gets the notice, nothing is heard or remembered and the next speaker is answered; a
// confirmation that fails leaves memory's decision standing; with speculation, a refusal before the commit is
// told at the commit without a second request, and a dropped speculative request's admission (asked once)
// goes with the rest of its utterance.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { concatSamples } from '../../src/audio/pcm.ts';
import { channel, dominantFrequency } from '../audio/signal.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

const COOLDOWN = 'Please wait 3 s before asking again.';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

/** A confirmation the test answers when it chooses. */
function deferred(): { promise: Promise<string | undefined>; resolve: (refusal: string | undefined) => void; reject: (error: Error) => void } {
  let resolve!: (refusal: string | undefined) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<string | undefined>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** The dominant pitch of a played reply's left channel. */
function pitchOf(samples: Int16Array): number {
  return dominantFrequency(channel(samples, 2, 0), 48_000);
}

test("a turn's reply is held until the shared admission confirms it, then plays whole", async () => {
  let streamTaken!: () => void;
  const allTaken = new Promise<void>((resolve) => (streamTaken = resolve));
  // Resolves once the session has taken the whole reply from the stream (it asked for more after the last event).
  const h = createSessionHarness(fake, {
    omni: (client) => ({
      async *stream(request, options) {
        yield* client.stream(request, options);
        streamTaken();
      },
    }),
  });
  const confirmation = deferred();
  h.settings.confirm = () => confirmation.promise;
  fake.script({ text: 'Confirmed reply.', audio: { toneHz: 440, seconds: 0.4 } });
  let confirmed = false;
  h.output.events.on('play', () => assert.ok(confirmed, 'a reply played before its admission was confirmed'));
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await fake.nextRequest();
  await allTaken;
  assert.equal(h.session.state.status, 'thinking', 'the whole reply is in, held');
  assert.equal(h.output.plays.length, 0);
  assert.equal(h.speaker.busy, false, 'an unconfirmed reply takes no place with the speaker');
  assert.equal(h.usage.length, 0, 'usage waits for the confirmation');

  const played = h.output.nextPlay();
  confirmed = true;
  confirmation.resolve(undefined);
  const playback = await played;
  const outcome = await done;
  assert.equal(outcome.text, 'Confirmed reply.');
  const left = channel(playback.samples(), 2, 0);
  assert.ok(Math.abs(left.length / 48_000 - 0.4) <= 0.021, `played ${left.length / 48_000} s`);
  assert.ok(Math.abs(pitchOf(playback.samples()) - 440) < 4.4);
  assert.deepEqual(
    h.session.history.entries.map((e) => e.role),
    ['user', 'assistant'],
  );
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [false],
  );
  assert.deepEqual(h.admissions, { checked: ['alice'], confirmed: ['alice'] });
});

test('refused by the shared admission: the request is aborted, nothing is heard or remembered, the notice is given, the next speaker is answered', async () => {
  const h = createSessionHarness(fake);
  const aliceConfirmation = deferred();
  h.settings.confirm = (userId) => (userId === 'alice' ? aliceConfirmation.promise : Promise.resolve(undefined));
  fake.script({ text: 'Never heard.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Hello Bob.', audio: { toneHz: 500, seconds: 0.4 } });
  const finished: string[] = [];
  h.session.on('turnDone', (outcome) => finished.push(outcome.speakerId));

  h.session.onUtterance(utterance('alice', 1, 200));
  const alices = await fake.nextRequest();
  h.session.onUtterance(utterance('bob', 1, 300));
  assert.deepEqual(h.session.queue, ['bob']);
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  aliceConfirmation.resolve(COOLDOWN);
  assert.equal(await alices.aborted, true, "Alice's request was aborted");
  const bobs = await fake.nextRequest();
  assert.ok(bobs.texts.at(-1)?.includes('Bob'));
  assert.equal(bobs.audioInputs.length, 1, "nothing of Alice's turn is in Bob's request");
  const playback = await played;
  assert.equal((await done).speakerId, 'bob');

  assert.deepEqual(finished, ['bob'], "Alice's turn never finished as a turn");
  assert.equal(h.output.plays.length, 1, 'only Bob was answered aloud');
  assert.ok(Math.abs(pitchOf(playback.samples()) - 500) < 5, "the reply played is Bob's");
  assert.deepEqual(h.posts, [COOLDOWN]);
  assert.deepEqual(
    h.session.history.entries.map((e) => (e.role === 'user' ? e.speakerName : e.role)),
    ['Bob', 'assistant'],
  );
  assert.deepEqual(
    h.usage.map((u) => [u.userId, u.speculative ?? false]),
    [['bob', false]],
    "Alice's request was stopped before the model reported anything: nothing counted for her",
  );
});

test('refused at once (a database in this process answers within microtasks): nothing counted, the notice, the next speaker answered', async () => {
  const h = createSessionHarness(fake);
  const requestsBefore = fake.requests.length;
  h.settings.confirm = async (userId) => (userId === 'alice' ? COOLDOWN : undefined);
  fake.setReplyRule((request) => (request.texts.at(-1)?.includes('Bob') ? { text: 'Hello Bob.', audio: { toneHz: 500, seconds: 0.2 } } : undefined));
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 1, 200));
  h.session.onUtterance(utterance('bob', 1, 300));
  const outcome = await done;
  fake.setReplyRule(undefined);
  // Alice's request may or may not have reached the model before it was stopped; either way it is consumed here.
  for (let i = requestsBefore; i < fake.requests.length; i++) await fake.nextRequest();
  assert.equal(outcome.speakerId, 'bob');
  assert.equal(outcome.text, 'Hello Bob.');
  assert.deepEqual(h.posts, [COOLDOWN]);
  assert.deepEqual(
    h.usage.map((u) => u.userId),
    ['bob'],
    'nothing is counted for Alice',
  );
  assert.equal(h.output.plays.length, 1);
});

test("a confirmation that fails leaves memory's decision standing: the reply plays", async () => {
  const h = createSessionHarness(fake);
  const confirmation = deferred();
  h.settings.confirm = () => confirmation.promise;
  fake.script({ text: 'Still here.', audio: { toneHz: 440, seconds: 0.2 } });
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await fake.nextRequest();
  confirmation.reject(new Error('the policy could not ask'));
  await played;
  assert.equal((await done).text, 'Still here.');
  assert.deepEqual(h.posts, []);
});

test('a speculative turn refused before its commit: its request stops at once, the notice comes with the commit, and no second request is sent', async () => {
  const h = createSessionHarness(fake);
  const aliceConfirmation = deferred();
  h.settings.confirm = (userId) => (userId === 'alice' ? aliceConfirmation.promise : Promise.resolve(undefined));
  fake.script({ text: 'Never.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Hello Bob.', audio: { toneHz: 500, seconds: 0.2 } });
  const said = utterance('alice', 1, 250);
  h.session.onTentativeEnd(said);
  const speculative = await fake.nextRequest();
  aliceConfirmation.resolve(COOLDOWN);
  assert.equal(await speculative.aborted, true, 'the speculative request stopped before the commit');
  assert.deepEqual(h.posts, [], 'nothing is said before the turn is committed');

  h.session.onUtterance({ ...said, endedAtMs: said.endedAtMs + 450 });
  assert.deepEqual(h.posts, [COOLDOWN], 'the commit is refused with the notice');
  const done = h.nextTurn();
  h.session.onUtterance(utterance('bob', 0.5, 300));
  assert.ok((await fake.nextRequest()).texts.at(-1)?.includes('Bob'), "the next request is the next speaker's, not a second one for Alice");
  assert.equal((await done).speakerId, 'bob');
  assert.deepEqual(h.admissions.confirmed, ['alice', 'bob'], 'Alice was asked about once');
  assert.equal(h.output.plays.length, 1);
  assert.ok(!h.session.history.entries.some((e) => e.role === 'user' && e.speakerName === 'Alice'));
});

test("a dropped speculative request's pending admission goes with the rest of the utterance: asked once, played once confirmed", async () => {
  const h = createSessionHarness(fake);
  const confirmation = deferred();
  h.settings.confirm = () => confirmation.promise;
  fake.script({ text: 'Too early.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Whole answer.', audio: { toneHz: 500, seconds: 0.5 } });
  const first = utterance('alice', 1, 250);
  h.session.onTentativeEnd(first);
  const speculative = await fake.nextRequest();
  h.session.onResumed('alice');
  assert.equal(await speculative.aborted, true);

  let confirmed = false;
  h.output.events.on('play', () => assert.ok(confirmed, 'played before the admission was confirmed'));
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  const rest = utterance('alice', 0.6, 330);
  h.session.onUtterance({ ...first, samples: concatSamples([first.samples, rest.samples]) });
  const whole = await fake.nextRequest();
  assert.ok(Math.abs(whole.audioInputs.at(-1)!.seconds - 1.6) < 0.001, 'the second request carries the whole utterance');
  assert.equal(await whole.aborted, false);
  confirmed = true;
  confirmation.resolve(undefined);
  const playback = await played;
  assert.equal((await done).text, 'Whole answer.');
  assert.ok(Math.abs(pitchOf(playback.samples()) - 500) < 5);
  assert.deepEqual(h.admissions, { checked: ['alice'], confirmed: ['alice'] }, 'one check and one charge for the whole utterance');
  assert.deepEqual(
    h.usage.map((u) => u.speculative ?? false),
    [true, false],
  );
});

test('that carried admission refused after the rest of the utterance started: its request is aborted too, one notice', async () => {
  const h = createSessionHarness(fake);
  const confirmation = deferred();
  h.settings.confirm = () => confirmation.promise;
  fake.script({ text: 'Too early.', audio: { toneHz: 300, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  fake.script({ text: 'Also never.', audio: { toneHz: 500, seconds: 0.3 }, firstByteDelayMs: 60_000 });
  const first = utterance('alice', 1, 250);
  h.session.onTentativeEnd(first);
  await fake.nextRequest();
  h.session.onResumed('alice');
  h.session.onUtterance({ ...first, samples: concatSamples([first.samples, utterance('alice', 0.6, 330).samples]) });
  const whole = await fake.nextRequest();
  confirmation.resolve(COOLDOWN);
  assert.equal(await whole.aborted, true);
  assert.deepEqual(h.posts, [COOLDOWN]);
  assert.deepEqual(h.admissions, { checked: ['alice'], confirmed: ['alice'] });
  assert.equal(h.output.plays.length, 0);
  assert.equal(h.session.history.entries.length, 0);
  assert.equal(h.session.state.status, 'listening');
});

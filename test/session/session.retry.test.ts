// Pins the retry rule of a voice turn: a failure before any audio is retried once (the person then hears the
// answer and no notice), never twice; a failure after audio has played is not retried (see session.partial).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OmniError } from '../../src/errors.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('a failure before any audio is retried once and the person hears the answer', async () => {
  const h = createSessionHarness(fake);
  fake.script({ fail: { status: 500 } });
  fake.script({ text: 'Second try worked.', audio: { toneHz: 440, seconds: 0.2 } });
  const before = fake.requests.length;
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const outcome = await done;
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.text, 'Second try worked.');
  assert.equal(fake.requests.length - before, 2);
  assert.deepEqual(h.posts, []);
});

test('a failure before any audio is retried at most once', async () => {
  const h = createSessionHarness(fake);
  fake.script({ fail: { status: 500 } });
  fake.script({ fail: { status: 500 } });
  fake.script({ text: 'not asked for', audio: { toneHz: 440, seconds: 0.2 } });
  const before = fake.requests.length;
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const outcome = await done;
  assert.ok(outcome.error instanceof OmniError);
  assert.equal(fake.requests.length - before, 2);
  assert.equal(h.posts.length, 1);
  assert.match(h.posts[0]!, /^The model service had an error\. Please try again\. \(ref: [\w-]+\)$/);
  // The unused script stays queued for the next test's requests: consume it.
  const next = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await next;
});

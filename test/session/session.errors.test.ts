// Pins failure handling: a model error becomes one short notice (rate-limited, see session.notices) and the bot keeps listening;
// a refusal by cost control sends no request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('a 429 gives a short notice and the next utterance is answered', async () => {
  let clock = 0;
  const h = createSessionHarness(fake, { now: () => clock });
  fake.script({ fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 30 } });
  let done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const failed = await done;
  assert.equal(failed.error?.constructor.name, 'OmniError');
  assert.equal(h.posts.length, 1);
  assert.match(h.posts[0]!, /too many requests.*30 s/);
  assert.equal(h.session.state.status, 'listening');

  // A voice turn retries once, so two 500s fail it.
  fake.script({ fail: { status: 500 } });
  fake.script({ fail: { status: 500 } });
  clock += 1000;
  done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  await done;
  assert.equal(h.posts.length, 1, 'a second notice within the interval is held back (and folded in later)');

  fake.script({ text: 'Back again.', audio: { toneHz: 440, seconds: 0.2 } });
  done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const answered = await done;
  assert.equal(answered.text, 'Back again.');
  assert.equal(answered.error, undefined);
});

test('over the cap: one notice, no request', async () => {
  const h = createSessionHarness(fake);
  h.settings.refuse = 'You have used your voice budget for today.';
  const before = fake.requests.length;
  h.session.onUtterance(utterance('alice'));
  assert.deepEqual(h.posts, ['You have used your voice budget for today.']);
  assert.equal(fake.requests.length, before);
  assert.equal(h.session.state.status, 'listening');
});

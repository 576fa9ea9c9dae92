// Pins notice folding: at most one notice message per interval, but no failure goes unmentioned: what comes
// inside an interval is posted once at its end, with how many times it happened. Mock clock.
import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { NoticeFolder } from '../../src/session/NoticeFolder.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
  mock.timers.enable({ apis: ['setTimeout'] });
});
after(() => {
  mock.timers.reset();
  return fake.close();
});

test('repeats inside the interval are folded into one counted message at its end', () => {
  const posts: string[] = [];
  const notices = new NoticeFolder((text) => posts.push(text), 15_000);
  notices.notify('The model took too long.');
  notices.notify('The model took too long.');
  notices.notify('The model took too long.');
  notices.notify('Please wait 2 s before asking again.');
  assert.deepEqual(posts, ['The model took too long.'], 'one message per interval');
  mock.timers.tick(14_999);
  assert.equal(posts.length, 1);
  mock.timers.tick(1);
  assert.deepEqual(posts.slice(1), ['The model took too long. (2 times in the last 15 s)\nPlease wait 2 s before asking again.']);
  // The folded message opens a new interval: the next notice waits for its end.
  notices.notify('The model took too long.');
  assert.equal(posts.length, 2);
  mock.timers.tick(15_000);
  assert.deepEqual(posts.slice(2), ['The model took too long.']);
  // A quiet interval ends without a message; the next notice goes out at once.
  mock.timers.tick(15_000);
  notices.notify('Back to normal.');
  assert.deepEqual(posts.slice(3), ['Back to normal.']);
  notices.dispose();
});

test('a second model failure within 15 s is not silent: it is posted, counted, when the interval ends', async () => {
  const h = createSessionHarness(fake);
  // A wait longer than the first-audio deadline is not retried: each turn fails at once.
  const limited = { fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 30 } } as const;
  for (const speaker of ['alice', 'bob', 'carol']) {
    fake.script(limited);
    const done = h.nextTurn();
    h.session.onUtterance(utterance(speaker));
    assert.ok((await done).error);
  }
  assert.deepEqual(h.posts, ['The model is getting too many requests right now. Please try again in 30 s.']);
  mock.timers.tick(15_000);
  assert.deepEqual(h.posts.slice(1), ['The model is getting too many requests right now. Please try again in 30 s. (2 times in the last 15 s)']);
  h.session.destroy();
});

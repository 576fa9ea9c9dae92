// Pins the chat limits: one request per person at a time (one more waiting, then one notice per burst), each
// channel's writes within Discord's 5 per 5 s with streamed edits coalesced, and the typing indicator renewed
// until the first words. Time is driven by mock timers.
import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { PersonGate } from '../../src/discord/chat/PersonGate.ts';
import { StreamingReply, type MessageSink } from '../../src/discord/chat/StreamingReply.ts';
import { keepTyping, TYPING_MAX_MS, TYPING_RENEW_MS, untilFirstWords } from '../../src/discord/chat/typing.ts';
import { ChannelWriteLimits, SlidingWindowLimiter } from '../../src/discord/chat/writeBudget.ts';

afterEach(() => mock.timers.reset());

/** Lets promise continuations run (mock timers fire callbacks synchronously; awaits need turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('20 requests from one person: one runs, one waits, 18 are refused with one notice', async () => {
  const gate = new PersonGate();
  const first = await gate.enter('alice');
  const queued = gate.enter('alice');
  const rest = await Promise.all(Array.from({ length: 18 }, () => gate.enter('alice')));
  assert.ok(first.admitted);
  assert.deepEqual(
    rest.map((ticket) => (ticket.admitted ? 'admitted' : ticket.firstRefusal ? 'notice' : 'silent')),
    ['notice', ...Array<string>(17).fill('silent')],
  );
  const bob = await gate.enter('bob');
  assert.ok(bob.admitted, 'others are not held up');
  first.release();
  const second = await queued;
  assert.ok(second.admitted);
  let thirdSettled = false;
  const third = gate.enter('alice').finally(() => {
    thirdSettled = true;
  });
  await settle();
  assert.equal(thirdSettled, false, 'the waiting place is free again: the next post waits for the second');
  second.release();
  second.release(); // twice is harmless
  const thirdTicket = await third;
  assert.ok(thirdTicket.admitted);
  thirdTicket.release();
  const again = await gate.enter('alice');
  assert.ok(again.admitted, 'after the burst she is served again, with a notice due again next time');
});

test('a channel gets at most 5 writes in any 5 s; the rest wait their turn in order', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const limiter = new SlidingWindowLimiter({ limit: 5, windowMs: 5_000, now: () => Date.now() });
  const granted: Array<[number, number]> = [];
  for (let i = 0; i < 12; i++) void limiter.take().then(() => granted.push([i, Date.now()]));
  await settle();
  assert.equal(granted.length, 5);
  mock.timers.tick(4_999);
  await settle();
  assert.equal(granted.length, 5);
  mock.timers.tick(1);
  await settle();
  assert.equal(granted.length, 10);
  mock.timers.tick(5_000);
  await settle();
  assert.deepEqual(
    granted.map(([i]) => i),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.deepEqual(
    granted.map(([, at]) => at),
    [0, 0, 0, 0, 0, 5_000, 5_000, 5_000, 5_000, 5_000, 10_000, 10_000],
  );
});

test('channels have separate budgets, and idle ones are dropped', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const limits = new ChannelWriteLimits({ limit: 1, windowMs: 1_000, now: () => Date.now() });
  const a = limits.forChannel('a');
  await a.take();
  let bGranted = false;
  void limits
    .forChannel('b')
    .take()
    .then(() => {
      bGranted = true;
    });
  await settle();
  assert.ok(bGranted, 'b is not held up by a');
  mock.timers.tick(1_000);
  assert.notEqual(limits.forChannel('b'), a);
  assert.notEqual(limits.forChannel('a'), a, 'a was idle and dropped');
});

test('a streamed answer waiting for a write slot writes its latest text: edits coalesce', async () => {
  let opened!: () => void;
  const slots = { taken: 0, next: new Promise<void>((resolve) => (opened = resolve)) };
  const written: string[] = [];
  const sink: MessageSink = {
    // The first write goes at once; every later one waits for the test to open the slot.
    writes: { take: () => (slots.taken++ === 0 ? Promise.resolve() : slots.next) },
    async create(content) {
      written.push(content);
      return { edit: async (next) => void written.push(next) };
    },
  };
  const reply = new StreamingReply(sink, { editIntervalMs: 0 });
  reply.append('one');
  await new Promise((resolve) => setImmediate(resolve));
  for (const word of [' two', ' three', ' four', ' five']) {
    reply.append(word);
    await new Promise((resolve) => setImmediate(resolve));
  }
  opened();
  await reply.finish();
  assert.deepEqual(written, ['one', 'one two three four five']);
});

test('typing is renewed every 8 s until stopped, and never past its cap', () => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  let sent = 0;
  const typing = keepTyping(async () => void sent++);
  assert.equal(sent, 1, 'at once');
  mock.timers.tick(TYPING_RENEW_MS * 3);
  assert.equal(sent, 4, 'a 12 s answer or a stalled download keeps showing it');
  typing.stop();
  mock.timers.tick(TYPING_RENEW_MS * 3);
  assert.equal(sent, 4, 'stops with the first words');

  let forever = 0;
  keepTyping(async () => void forever++);
  mock.timers.tick(TYPING_MAX_MS * 2);
  assert.equal(forever, 1 + TYPING_MAX_MS / TYPING_RENEW_MS);
});

test('a stalled download then a slow answer: typing shows throughout and stops as the first words are sent', async () => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  let sent = 0;
  const created: string[] = [];
  const typing = keepTyping(async () => void sent++);
  const sink = untilFirstWords(
    {
      async create(content) {
        created.push(content);
        return { edit: async () => {} };
      },
    },
    typing,
  );
  mock.timers.tick(10_000); // the download stalls
  mock.timers.tick(12_000); // the model takes 12 s to its first words
  assert.equal(sent, 3, 'at 0, 8 and 16 s: never more than 8 s without the indicator');
  await sink.create('First words', 0);
  mock.timers.tick(TYPING_RENEW_MS * 2);
  assert.equal(sent, 3);
  assert.deepEqual(created, ['First words']);
});

test('a failed typing request is ignored', async () => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  const typing = keepTyping(() => Promise.reject(new Error('429')));
  mock.timers.tick(TYPING_RENEW_MS);
  await settle();
  typing.stop();
});

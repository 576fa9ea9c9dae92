// One person flooding the bot: the same image posted 20 times in a row starts one model request, queues one
// more, and gets one short notice for the rest; the bot's message writes stay a handful, not 40. Counted at
// the fake model and at the simulator's REST, with the first answer held open by a gate, not by timing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makePng } from '../support/images.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld();
});
after(() => world.close());

/** Message creates and edits the bot sent to channels (not interaction replies, not typing). */
function messageWrites(): number {
  return world.sim.rest.calls.filter((call) => /^\/channels\/\d+\/messages(\/\d+)?$/.test(call.route) && (call.method === 'POST' || call.method === 'PATCH'))
    .length;
}

test('20 posts of the same image: one request in flight, one waiting, one notice, a handful of writes', async () => {
  const { sim, fake } = world;
  const question = 'what is this?';
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  let bobArrived!: () => void;
  const bobRequest = new Promise<void>((resolve) => {
    bobArrived = resolve;
  });
  fake.setReplyRule((request) => {
    if (!request.texts.includes('bob here')) return undefined;
    bobArrived();
    return { text: 'Hi Bob.', chunkIntervalMs: 5 };
  });
  fake.script({ text: 'First: a small gradient.', holdUntil: gate, chunkIntervalMs: 5 });
  fake.script({ text: 'Second: the same gradient again.', chunkIntervalMs: 5 });
  const aliceRequests = () => fake.requests.filter((request) => request.texts.includes(question)).length;
  const writesBefore = messageWrites();
  const inChat = { channel: 'general', timeoutMs: 20_000 } as const;
  const notice = sim.nextMessage({ ...inChat, matching: (m) => /still on your earlier message/.test(m.content ?? '') });

  const alice = sim.user('alice');
  const png = makePng(64, 64);
  for (let i = 0; i < 20; i++) await alice.post({ content: `${sim.botMention} ${question}`, attachments: [{ name: 'same.png', data: png }] });
  // Bob's message follows Alice's twenty on the gateway, and the bot handles events in order: by the time
  // his request reaches the model, every one of hers has been let in, queued or refused.
  await sim.user('bob').post({ content: `${sim.botMention} bob here` });
  await bobRequest;
  // Her first post's image is downloaded and checked before its request goes out, held at the model.
  while (!(await fake.nextRequest(20_000)).texts.includes(question));
  assert.equal(aliceRequests(), 1, 'one request of hers in flight while the first answer is held');
  assert.match((await notice).content ?? '', /send this again once I've answered/);

  openGate();
  // Answers are matched by their first word, which always comes in the first streamed chunk.
  const answers = sim.nextMessage({ ...inChat, matching: (m) => /^Second/.test(m.content ?? '') });
  await sim.messageSettles(await answers, (m) => /again\.$/.test(m.content ?? ''));
  assert.equal(aliceRequests(), 2, 'the queued post ran after the first; the other 18 never reached the model');
  assert.equal(sim.messages('general').filter((m) => /still on your earlier message/.test(m.content ?? '')).length, 1);
  // Three short answers (Alice twice, Bob once) of a create and at most one edit each, plus the one notice.
  const writes = messageWrites() - writesBefore;
  assert.ok(writes >= 4 && writes <= 7, `${writes} message writes`);
  fake.setReplyRule(undefined);
});

test('after the flood she is served normally again', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'Still a gradient.', chunkIntervalMs: 5 });
  const first = sim.nextMessage({ channel: 'general', timeoutMs: 20_000, matching: (m) => !/still on your/.test(m.content ?? '') });
  await sim.user('alice').post({ content: `${sim.botMention} and now?`, attachments: [{ name: 'again.png', data: makePng(48, 48) }] });
  assert.equal((await sim.messageSettles(await first, (m) => /gradient\.$/.test(m.content ?? ''))).content, 'Still a gradient.');
});

// The real bot on PostgreSQL (DATABASE_URL, nothing else changed) between the Discord simulator and the fake
// model: commands write to PostgreSQL and reach the model; a voice change made by another process (another
// store on the same database, as another bot process would) applies to the next reply; the turn's usage
// lands in the shared ledger and /usage reads it back. Then the database stops for 10 s while Alice keeps
// talking: every turn is answered, and every turn's usage is in the ledger once it is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import { speechFixture } from '../scenarios/support.ts';
import { startWorld, type World } from '../scenarios/world.ts';
import { testPostgres } from './engines.ts';
import { skipWithoutPostgres } from './postgres.ts';

const skip = skipWithoutPostgres();
let world: World | undefined;
let elsewhere: PostgresStore | undefined;

before(async () => {
  if (skip.skip) return;
  const url = await (await testPostgres()).createDatabase();
  world = await startWorld({ env: { DATABASE_URL: url } });
  elsewhere = await PostgresStore.open(url);
});
after(async () => {
  await world?.close();
  await elsewhere?.close();
});

async function aliceAsks(w: World): Promise<void> {
  const heard = w.sim.botAudio.nextUtterance(20_000);
  await w.sim.user('alice').say(speechFixture('en_no_lead').path);
  await heard;
}

test('commands, another process’s voice change and the ledger, all through PostgreSQL', skip, async () => {
  const w = world!;
  const other = elsewhere!;
  const alice = w.sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  assert.match((await (await alice.slash('persona set', { text: 'A pirate who keeps it short.' })).reply()).content ?? '', /Persona saved/);
  assert.equal((await other.settings.getGuildSettings(w.sim.guild().id)).persona, 'A pirate who keeps it short.', 'the command wrote to PostgreSQL');

  w.fake.script({ text: 'Arr!', audio: { toneHz: 440, seconds: 0.3 } });
  let request = w.fake.nextRequest();
  const charged = new Promise<void>((resolve) => other.onChange((change) => change.kind === 'usage' && change.userId === alice.id && resolve()));
  await aliceAsks(w);
  const first = await request;
  assert.match(first.systemText ?? '', /Persona set by this server: A pirate who keeps it short\./);
  assert.equal(first.voice, 'Cherry', 'the bot default before anyone chose');

  // Another process sets Alice's voice; her next reply is in it.
  await other.settings.setUserVoice(alice.id, 'Ethan');
  w.fake.script({ text: 'Arr again!', audio: { toneHz: 440, seconds: 0.3 } });
  request = w.fake.nextRequest();
  await aliceAsks(w);
  assert.equal((await request).voice, 'Ethan');

  await charged;
  const usage = await other.usage.usageFor({ userId: alice.id, guildId: w.sim.guild().id, day: other.usage.day() });
  assert.ok(usage.output.audio > 0 && usage.input.audio > 0, `the turn's usage is in the shared ledger: ${JSON.stringify(usage)}`);
  const shown = JSON.stringify((await (await alice.slash('usage')).reply()).embeds ?? []);
  assert.match(shown, /out: text [1-9]\d*, audio [1-9]\d*, reasoning 0/);
});

test('PostgreSQL stopped for 10 s while Alice talks: every turn answered, every turn in the ledger afterwards', skip, async () => {
  const w = world!;
  const other = elsewhere!;
  const server = await testPostgres();
  const alice = w.sim.user('alice');
  const guildId = w.sim.guild().id;
  const reply = { text: 'Aye.', audio: { toneHz: 440, seconds: 0.3 } } as const;
  const outputTokens = async (): Promise<number> => {
    const { output } = await other.usage.usageFor({ userId: alice.id, guildId });
    return output.text + output.audio + output.reasoning;
  };
  /** The ledger's output tokens once they reach `expected`, or what they are after 30 s of asking. */
  const settleAt = async (expected: number): Promise<number> => {
    const deadline = Date.now() + 30_000;
    let value = await outputTokens().catch(() => -1);
    while (value !== expected && Date.now() < deadline) {
      await delay(100);
      value = await outputTokens().catch(() => -1);
    }
    return value;
  };

  // One turn with the database up: what a turn's reply costs (the same script gives the same output tokens).
  const start = await outputTokens();
  const heard = new Promise<void>((resolve) => other.onChange((change) => change.kind === 'usage' && change.userId === alice.id && resolve()));
  w.fake.script(reply);
  await aliceAsks(w);
  await heard;
  const perTurn = (await outputTokens()) - start;
  assert.ok(perTurn > 0);
  const beforeOutage = start + perTurn;
  assert.equal(await settleAt(beforeOutage), beforeOutage);

  server.stop();
  const stoppedAt = Date.now();
  let turns = 0;
  while (Date.now() - stoppedAt < 10_000) {
    w.fake.script(reply);
    await aliceAsks(w); // resolves when the bot's spoken reply has been heard
    turns++;
  }
  server.start();
  assert.ok(turns >= 2, `${turns} turns while the database was away`);
  assert.equal(await settleAt(beforeOutage + turns * perTurn), beforeOutage + turns * perTurn, `all ${turns} turns of the outage in the ledger`);
});

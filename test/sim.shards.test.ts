/**
 * The simulator shards as Discord does: discord.js clients identifying as shards of one bot each see only
 * their own guilds, guild events reach only the owning shard, DMs go to shard 0, an op 4 on the wrong
 * shard is ignored, and Discord's refusals (4010 invalid shard, 4011 sharding required, op 9 for an
 * identify faster than max_concurrency allows) come as they do in production.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, Events, GatewayIntentBits, type Message, Partials } from 'discord.js';
import { startSimulator, type Simulator } from './sim/simulator.ts';

const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];
const FOUR_GUILDS = ['One', 'Two', 'Three', 'Four'].map((name) => ({ name, users: [`${name.toLowerCase()}-user`] }));

const clients: Client[] = [];
const sims: Simulator[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.destroy()));
  await Promise.all(sims.map((sim) => sim.close()));
});

async function simulator(options: Parameters<typeof startSimulator>[0]): Promise<Simulator> {
  const sim = await startSimulator(options);
  sims.push(sim);
  return sim;
}

function shardClient(sim: Simulator, shards?: { readonly ids: number[]; readonly count: number }): Client {
  const client = new Client({
    intents,
    partials: [Partials.Channel],
    rest: { api: sim.restURL },
    ...(shards ? { shards: shards.ids, shardCount: shards.count } : {}),
  });
  clients.push(client);
  return client;
}

async function loggedIn(client: Client, sim: Simulator): Promise<Client<true>> {
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(sim.botToken);
  return ready;
}

/** Resolves with the error the gateway's refusal surfaces as, whatever path discord.js takes to report it. */
function refusal(client: Client, sim: Simulator): Promise<string> {
  return new Promise((resolve) => {
    client.on(Events.Error, (error) => resolve(error.message));
    client.on(Events.ShardError, (error) => resolve(error.message));
    client.login(sim.botToken).catch((error: Error) => resolve(error.message));
  });
}

describe('gateway sharding', () => {
  test('two shards each see their own guilds; events and op 4 go to the owner only', async () => {
    // Two buckets, so both shards may identify at once.
    const sim = await simulator({ guilds: FOUR_GUILDS, sharding: { maxConcurrency: 2 } });
    const onShard = (shard: number) => FOUR_GUILDS.map((g) => g.name).filter((name) => sim.shardOf(name, 2) === shard);
    // Guild snowflakes are laid out so that consecutive guilds alternate shards.
    assert.deepEqual(onShard(0), ['One', 'Three']);
    assert.deepEqual(onShard(1), ['Two', 'Four']);

    const zero = await loggedIn(shardClient(sim, { ids: [0], count: 2 }), sim);
    const one = await loggedIn(shardClient(sim, { ids: [1], count: 2 }), sim);
    assert.deepEqual(zero.guilds.cache.map((g) => g.name).sort(), ['One', 'Three']);
    assert.deepEqual(one.guilds.cache.map((g) => g.name).sort(), ['Four', 'Two']);
    assert.deepEqual(
      sim.gateway.sessions.map((s) => s.shard),
      [
        [0, 2],
        [1, 2],
      ],
    );

    // A message in guild Two reaches shard 1 and not shard 0.
    const seen: string[] = [];
    zero.on(Events.MessageCreate, (m: Message) => seen.push(`0:${m.guild?.name ?? 'DM'}`));
    const onOne = new Promise<Message>((resolve) => one.once(Events.MessageCreate, resolve));
    await sim.user('two-user', 'Two').post({ content: `${sim.botMention} hi` });
    assert.equal((await onOne).guild?.name, 'Two');
    // A DM goes to shard 0.
    const onZero = new Promise<Message>((resolve) => zero.once(Events.MessageCreate, resolve));
    await sim.user('one-user', 'One').dm({ content: 'hello' });
    assert.equal((await onZero).guild, null);
    assert.deepEqual(seen, ['0:DM']);

    // Op 4 for guild Two sent on shard 0's socket is ignored (and recorded); on shard 1 it is answered.
    const two = sim.guild('Two');
    zero.ws.shards.get(0)!.send({ op: 4, d: { guild_id: two.id, channel_id: sim.channelId('General', 'Two'), self_mute: false, self_deaf: false } });
    const join = sim.nextBotJoin();
    one.ws.shards.get(1)!.send({ op: 4, d: { guild_id: two.id, channel_id: sim.channelId('General', 'Two'), self_mute: false, self_deaf: false } });
    assert.equal(await join, sim.channelId('General', 'Two'));
    assert.deepEqual(sim.gateway.misroutedVoiceStates, [{ shard: 0, guildId: two.id }]);
  });

  test('GET /gateway/bot advertises the recommended shards and the start limit', async () => {
    const sim = await simulator({ guilds: FOUR_GUILDS, sharding: { recommendedShards: 2, maxConcurrency: 2 } });
    const response = await fetch(`${sim.restURL}/v10/gateway/bot`, { headers: { authorization: `Bot ${sim.botToken}` } });
    const body = (await response.json()) as { shards: number; session_start_limit: { max_concurrency: number; remaining: number } };
    assert.equal(body.shards, 2);
    assert.equal(body.session_start_limit.max_concurrency, 2);
    assert.equal(body.session_start_limit.remaining, 1_000);
    await loggedIn(shardClient(sim, { ids: [0], count: 2 }), sim);
    const after = (await (await fetch(`${sim.restURL}/v10/gateway/bot`, { headers: { authorization: `Bot ${sim.botToken}` } })).json()) as typeof body;
    assert.equal(after.session_start_limit.remaining, 999);
  });

  test('an unsharded bot with too many guilds is closed with 4011; an invalid shard with 4010', async () => {
    const sim = await simulator({ guilds: FOUR_GUILDS, sharding: { maxGuildsPerShard: 3 } });
    assert.match(await refusal(shardClient(sim), sim), /sharding is required/i);
    assert.equal(sim.gateway.sessions.length, 0);

    // discord.js checks its shard list itself before connecting; send the bad identify as a raw client would.
    const invalid = await simulator({ guilds: FOUR_GUILDS });
    assert.equal(await rawIdentify(invalid, [2, 2]), 4010);
  });

  test('a second identify in the same bucket within 5 s is refused with op 9', async () => {
    const sim = await simulator({ guilds: FOUR_GUILDS, sharding: { maxConcurrency: 1, enforceIdentifyRate: true } });
    await loggedIn(shardClient(sim, { ids: [0], count: 2 }), sim);
    assert.equal(await rawIdentify(sim, [1, 2]), 'op 9');
    assert.deepEqual(
      sim.gateway.identifies.map((e) => [e.shard, e.accepted]),
      [
        [0, true],
        [1, false],
      ],
    );
  });
});

/** Identifies on a bare WebSocket; resolves with the close code, or 'op 9' for an invalid session. */
async function rawIdentify(sim: Simulator, shard: [number, number]): Promise<number | 'op 9'> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`${sim.gateway.url}?v=10&encoding=json`);
  return new Promise((resolve) => {
    ws.on('message', (data) => {
      const payload = JSON.parse(data.toString()) as { op: number };
      if (payload.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: sim.botToken, intents: 1, properties: {}, shard } }));
      if (payload.op === 9) {
        ws.close();
        resolve('op 9');
      }
    });
    ws.on('close', (code) => resolve(code));
  });
}

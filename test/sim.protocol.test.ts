// The Discord simulator against the real discord.js client: login (READY + GUILD_CREATE), slash commands
// with reply / defer + edit / follow-up and Discord's ack rules, channel messages with files, the CDN,
// the MESSAGE_CONTENT rule, unknown routes, and a gateway Resume.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApplicationCommandOptionType, ChannelType, Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, Routes } from 'discord.js';
import type { ChatInputCommandInteraction, Interaction, Message } from 'discord.js';
import { startSimulator } from './sim/simulator.ts';
import type { Simulator } from './sim/simulator.ts';
import { loginClient, nextEvent } from './sim/testkit.ts';

let sim: Simulator;
let client: Client<true>;

before(async () => {
  sim = await startSimulator();
  // Alice is in voice before the bot logs in, so GUILD_CREATE carries her member and voice state.
  await sim.user('alice').joinVoice('General');
  client = await loginClient(sim);
  await client.application.commands.set([
    {
      name: 'join',
      description: 'Join a voice channel',
      options: [{ type: ApplicationCommandOptionType.Channel, name: 'channel', description: 'Where', channelTypes: [ChannelType.GuildVoice] }],
    },
    {
      name: 'ask',
      description: 'Ask something',
      options: [{ type: ApplicationCommandOptionType.String, name: 'question', description: 'What', required: true }],
    },
    {
      name: 'describe',
      description: 'Describe a file',
      options: [{ type: ApplicationCommandOptionType.Attachment, name: 'file', description: 'The file', required: true }],
    },
  ]);
});

after(async () => {
  await client?.destroy();
  await sim?.close();
});

/** Runs a slash command as `user` and resolves with the interaction discord.js emits for it. */
async function runSlash(user: string, name: string, options: Parameters<ReturnType<Simulator['user']>['slash']>[1] = {}) {
  const seen = nextEvent<[Interaction]>(client, Events.InteractionCreate);
  const simInteraction = await sim.user(user).slash(name, options);
  const [interaction] = await seen;
  assert.ok(interaction.isChatInputCommand());
  return { simInteraction, interaction: interaction as ChatInputCommandInteraction };
}

describe('login', () => {
  test('READY and GUILD_CREATE fill the client cache', () => {
    const guild = client.guilds.cache.find((g) => g.name === 'Test Guild');
    assert.ok(guild, 'guild cached');
    assert.equal(client.user.id, sim.botUserId);
    assert.equal(client.application.id, sim.applicationId);
    assert.equal(guild.channels.cache.find((c) => c.name === 'general')?.type, ChannelType.GuildText);
    assert.equal(guild.channels.cache.find((c) => c.name === 'General')?.type, ChannelType.GuildVoice);
    assert.equal(guild.members.me?.id, sim.botUserId, 'the bot member is cached');
    const alice = sim.user('alice');
    assert.equal(guild.members.cache.get(alice.id)?.user.username, 'alice', 'members in voice are cached');
    assert.equal(guild.voiceStates.cache.get(alice.id)?.channelId, sim.channelId('General'));
    // Without GUILD_PRESENCES, Discord sends only the bot and members in voice.
    assert.equal(guild.members.cache.has(sim.user('bob').id), false);
    assert.equal(sim.gateway.current?.identify.intents, client.options.intents.bitfield);
  });

  test('a wrong token is refused by REST (401) and the gateway (4004)', async () => {
    const stranger = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: sim.restURL } });
    await assert.rejects(stranger.login('not-the-token'), /invalid token/i);
    await stranger.destroy();
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${sim.gateway.url}?v=10&encoding=json`);
    ws.on('open', () => ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } })));
    const [code] = await nextEvent<[number]>(ws, 'close');
    assert.equal(code, 4004);
  });

  test('application commands are registered with the simulator', () => {
    const names = sim.commands().map((c) => c.name);
    assert.deepEqual(names, ['join', 'ask', 'describe']);
    assert.equal(sim.rest.calls.filter((c) => c.method === 'PUT' && c.route === `/applications/${sim.applicationId}/commands`).length, 1);
  });
});

describe('slash commands', () => {
  test('options and member arrive; reply() reaches the simulator', async () => {
    const { simInteraction, interaction } = await runSlash('alice', 'join', { channel: 'General' });
    assert.equal(interaction.commandName, 'join');
    assert.equal(interaction.options.getChannel('channel')?.id, sim.channelId('General'));
    assert.equal(interaction.user.id, sim.user('alice').id);
    assert.equal(interaction.guildId, sim.guild().id);
    await interaction.reply({ content: 'Joining General' });
    const reply = await simInteraction.reply();
    assert.equal(reply.content, 'Joining General');
    assert.deepEqual(
      simInteraction.events.map((e) => e.kind),
      ['reply'],
    );
    assert.equal(sim.messages('general').at(-1)?.content, 'Joining General');
  });

  test('deferReply + editReply + followUp', async () => {
    const { simInteraction, interaction } = await runSlash('bob', 'ask', { question: 'Why?' });
    assert.equal(interaction.options.getString('question'), 'Why?');
    await interaction.deferReply();
    const edited = await interaction.editReply('Because.');
    assert.equal(edited.content, 'Because.');
    await interaction.followUp({ content: 'Also this.', flags: MessageFlags.Ephemeral });
    const reply = await simInteraction.reply();
    assert.equal(reply.content, 'Because.');
    assert.deepEqual(
      simInteraction.events.map((e) => e.kind),
      ['defer', 'edit', 'followUp'],
    );
    assert.equal(simInteraction.followUps[0]?.content, 'Also this.');
    assert.equal(
      sim.messages().some((m) => m.content === 'Also this.'),
      false,
      'ephemeral follow-ups are not visible in the channel',
    );
  });

  test('a second acknowledgement is refused with 40060', async () => {
    const { interaction } = await runSlash('alice', 'ask', { question: 'Twice?' });
    await interaction.reply('Once.');
    const again = client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
      body: { type: 4, data: { content: 'Twice.' } },
      auth: false,
    });
    await assert.rejects(again, (error: unknown) => error instanceof DiscordAPIError && error.status === 400 && error.code === 40060);
  });

  test('a reply after 3 s (simulator clock) is refused with 10062', async () => {
    const { simInteraction, interaction } = await runSlash('alice', 'ask', { question: 'Slow?' });
    sim.advanceClock(3_001);
    await assert.rejects(interaction.reply('Too late.'), (error: unknown) => error instanceof DiscordAPIError && error.status === 404 && error.code === 10062);
    assert.equal(simInteraction.acknowledged, false);
  });

  test('an attachment option resolves to a CDN URL the bot can download', async () => {
    const bytes = Buffer.from('RIFF fake image bytes');
    const { interaction } = await runSlash('alice', 'describe', { file: { name: 'cat.png', data: bytes, width: 2, height: 2 } });
    const attachment = interaction.options.getAttachment('file', true);
    assert.equal(attachment.name, 'cat.png');
    assert.equal(attachment.contentType, 'image/png');
    assert.equal(attachment.width, 2);
    const response = await fetch(attachment.url);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
    assert.ok(
      sim.rest.calls.some((c) => c.route === new URL(attachment.url).pathname && c.status === 200),
      'the download is recorded',
    );
    await interaction.reply('A cat.');
  });

  test('commands that were not registered, or unknown options, cannot be run', async () => {
    await assert.rejects(sim.user('alice').slash('dance'), /not registered/);
    await assert.rejects(sim.user('alice').slash('ask', {}), /needs option question/);
    await assert.rejects(sim.user('alice').slash('ask', { question: 'x', loud: true }), /no option loud/);
  });
});

describe('messages', () => {
  test('content is visible only when the bot is mentioned (no MESSAGE_CONTENT intent)', async () => {
    const plain = nextEvent<[Message]>(client, Events.MessageCreate);
    await sim.user('bob').post({ content: 'hello everyone' });
    const [unmentioned] = await plain;
    assert.equal(unmentioned.content, '');
    const mentioned = nextEvent<[Message]>(client, Events.MessageCreate);
    await sim.user('bob').post({ content: `${sim.botMention} what is this?`, attachments: [{ name: 'photo.jpg', data: Buffer.from([0xff, 0xd8, 0xff]) }] });
    const [message] = await mentioned;
    assert.equal(message.content, `${sim.botMention} what is this?`);
    assert.ok(message.mentions.users.has(sim.botUserId));
    assert.equal(message.author.username, 'bob');
    const attachment = message.attachments.first();
    assert.equal(attachment?.contentType, 'image/jpeg');
    assert.deepEqual(Buffer.from(await (await fetch(attachment!.url)).arrayBuffer()), Buffer.from([0xff, 0xd8, 0xff]));
  });

  test('the bot posts with files (multipart), edits, types; its own messages echo back', async () => {
    const channel = client.channels.cache.get(sim.channelId('general'));
    assert.ok(channel?.isSendable());
    await channel.sendTyping();
    const echo = nextEvent<[Message]>(client, Events.MessageCreate, 5_000, (m) => m.author.id === sim.botUserId);
    const sent = await channel.send({ content: 'Here is a file', files: [{ attachment: Buffer.from('hello file'), name: 'note.txt' }] });
    const [echoed] = await echo;
    assert.equal(echoed.id, sent.id);
    assert.equal((await sim.nextMessage({ channel: 'general', matching: (m) => m.interactionId === null })).id, sent.id);
    const stored = sim.messages('general').find((m) => m.id === sent.id);
    assert.equal(stored?.files[0]?.name, 'note.txt');
    assert.equal(stored?.files[0]?.data.toString(), 'hello file');
    assert.equal(sent.attachments.first()?.name, 'note.txt');
    await sent.edit('Edited');
    assert.equal(sim.messages('general').find((m) => m.id === sent.id)?.content, 'Edited');
    assert.deepEqual(sim.rest.typing, [sim.channelId('general')]);
    await assert.rejects(channel.send({ content: 'x'.repeat(2001) }), (error: unknown) => error instanceof DiscordAPIError && error.code === 50035);
  });

  test('unknown routes answer 404 and are recorded', async () => {
    await assert.rejects(client.rest.get('/guilds/1/nothing-here'), (error: unknown) => error instanceof DiscordAPIError && error.status === 404);
    assert.deepEqual(
      sim.rest.unknownRoutes.map((c) => `${c.method} ${c.route}`),
      ['GET /guilds/1/nothing-here'],
    );
  });
});

describe('gateway', () => {
  test('a dropped gateway connection resumes and replays nothing twice', async () => {
    const resumed = nextEvent(client, Events.ShardResume, 10_000);
    await sim.disconnectGateway(4000);
    await resumed;
    assert.equal(sim.gateway.resumes, 1);
    const after = nextEvent<[Message]>(client, Events.MessageCreate);
    await sim.user('alice').post({ content: `${sim.botMention} still there?` });
    const [message] = await after;
    assert.equal(message.content, `${sim.botMention} still there?`);
  });
});

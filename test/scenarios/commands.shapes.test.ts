// Every command, sent every shape a stale or hand-made client can send (unknown subcommand, unknown option,
// wrong option type, missing required option, value outside the choices or range), is refused with a short
// message only the caller sees, before its handler runs: no stored data changes, the bot stays in its voice
// channel, the model is never asked. Also: /join answers privately, and a /describe or /ask refusal after the
// public "thinking…" is taken back and said privately.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { commands } from '../../commands/index.ts';
import type { SimInteraction } from '../sim/interactions.ts';
import { FLAG_EPHEMERAL, type BotMessage } from '../sim/messages.ts';
import type { CommandRecord } from '../sim/rest.ts';
import { TYPE, type RawOption } from '../sim/slash.ts';
import { CHANNEL_TEXT, CHANNEL_VOICE } from '../sim/world.ts';
import { makePng } from '../support/images.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { DISCORD_MESSAGE_CONTENT: 'on' } });
});
after(() => world.close());

interface OptionDefinition {
  readonly type: number;
  readonly name: string;
  readonly required?: boolean;
  readonly choices?: ReadonlyArray<{ readonly value: string | number }>;
  readonly min_value?: number;
  readonly max_value?: number;
  readonly max_length?: number;
  readonly channel_types?: readonly number[];
  readonly options?: readonly OptionDefinition[];
}

interface Shape {
  readonly label: string;
  readonly command: string;
  readonly options: readonly RawOption[];
}

const PNG = { name: 'p.png', data: makePng(32, 32) };

/** A value the definition accepts. */
function validValue(definition: OptionDefinition): RawOption['value'] {
  if (definition.choices?.length) return definition.choices[0]!.value;
  switch (definition.type) {
    case TYPE.string:
      return 'hello';
    case TYPE.integer:
    case TYPE.number:
      return definition.min_value ?? 1;
    case TYPE.boolean:
      return true;
    case TYPE.channel:
      return definition.channel_types && !definition.channel_types.includes(CHANNEL_TEXT) ? 'General' : 'general';
    case TYPE.attachment:
      return PNG;
    default:
      throw new Error(`no valid value for option type ${definition.type}`);
  }
}

/** Values of the declared type that the definition refuses (wrong JS type, outside choices or range, too long). */
function badValues(definition: OptionDefinition): Array<{ label: string; value: RawOption['value'] }> {
  const bad: Array<{ label: string; value: RawOption['value'] }> = [];
  const wrongKind = { [TYPE.string]: 42, [TYPE.integer]: 'ten', [TYPE.number]: 'ten', [TYPE.boolean]: 'yes', [TYPE.channel]: '1', [TYPE.attachment]: '1' };
  bad.push({ label: 'a value of the wrong kind', value: wrongKind[definition.type as keyof typeof wrongKind] });
  if (definition.type === TYPE.integer) bad.push({ label: 'a fraction', value: 1.5 });
  if (definition.choices?.length)
    bad.push({ label: 'a value outside the choices', value: typeof definition.choices[0]!.value === 'string' ? 'delete-everything' : 12_345 });
  if (definition.min_value !== undefined) bad.push({ label: 'a value below the minimum', value: definition.min_value - 1 });
  if (definition.max_value !== undefined) bad.push({ label: 'a value above the maximum', value: definition.max_value + 1 });
  if (definition.max_length !== undefined) bad.push({ label: 'a value too long', value: 'x'.repeat(definition.max_length + 1) });
  if (definition.channel_types && !definition.channel_types.includes(CHANNEL_TEXT)) bad.push({ label: 'a text channel', value: 'general' });
  if (definition.channel_types && !definition.channel_types.includes(CHANNEL_VOICE)) bad.push({ label: 'a voice channel', value: 'General' });
  return bad;
}

/** Every wrong shape for the options of one leaf (a command without subcommands, or one subcommand). */
function leafShapes(label: string, definitions: readonly OptionDefinition[], wrap: (options: RawOption[]) => RawOption[]): Array<Omit<Shape, 'command'>> {
  const required = definitions.filter((d) => d.required);
  const valid = (except?: string): RawOption[] => required.filter((d) => d.name !== except).map((d) => ({ name: d.name, type: d.type, value: validValue(d) }));
  const shapes: Array<Omit<Shape, 'command'>> = [
    { label: `${label}: an unknown option`, options: wrap([...valid(), { name: 'delete-everything', type: TYPE.string, value: 'yes' }]) },
  ];
  for (const definition of required) shapes.push({ label: `${label}: without ${definition.name}`, options: wrap(valid(definition.name)) });
  for (const definition of definitions) {
    const otherType = definition.type === TYPE.string ? TYPE.integer : TYPE.string;
    const otherValue = definition.type === TYPE.string ? 7 : 'seven';
    shapes.push({
      label: `${label}: ${definition.name} declared as another type`,
      options: wrap([...valid(definition.name), { name: definition.name, type: otherType, value: otherValue }]),
    });
    for (const bad of badValues(definition)) {
      shapes.push({
        label: `${label}: ${definition.name} given ${bad.label}`,
        options: wrap([...valid(definition.name), { name: definition.name, type: definition.type, value: bad.value }]),
      });
    }
  }
  return shapes;
}

function wrongShapes(command: CommandRecord): Shape[] {
  const definitions = (command.options ?? []) as readonly OptionDefinition[];
  const subcommands = definitions.filter((d) => d.type === TYPE.subcommand);
  const shapes: Array<Omit<Shape, 'command'>> = [];
  if (subcommands.length === 0) {
    shapes.push(...leafShapes(`/${command.name}`, definitions, (options) => options));
    shapes.push({ label: `/${command.name}: a subcommand it does not have`, options: [{ name: 'delete-everything', type: TYPE.subcommand, options: [] }] });
  } else {
    shapes.push({ label: `/${command.name}: an unknown subcommand`, options: [{ name: 'delete-everything', type: TYPE.subcommand, options: [] }] });
    shapes.push({ label: `/${command.name}: no subcommand`, options: [] });
    shapes.push({ label: `/${command.name}: an option instead of a subcommand`, options: [{ name: subcommands[0]!.name, type: TYPE.string, value: 'x' }] });
    for (const sub of subcommands) {
      shapes.push(...leafShapes(`/${command.name} ${sub.name}`, sub.options ?? [], (options) => [{ name: sub.name, type: TYPE.subcommand, options }]));
    }
  }
  return shapes.map((shape) => ({ ...shape, command: command.name }));
}

/** Every row of every table in the bot's database, read through a second connection. */
function storedData(): string {
  const db = new DatabaseSync(join(world.config.dataDir, 'bot.sqlite'), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
    const rows = (table: string): string[] =>
      db
        .prepare(`SELECT * FROM "${table}"`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort();
    return JSON.stringify(tables.map(({ name }) => [name, rows(name)]));
  } finally {
    db.close();
  }
}

function isPrivate(message: BotMessage): boolean {
  return (message.flags & FLAG_EPHEMERAL) !== 0;
}

/** Nothing the bot posted for this interaction is visible to others. */
function nothingPublic(interaction: SimInteraction): void {
  const original = interaction.original;
  assert.ok(!original || isPrivate(original), `/${interaction.commandName} left a public reply: ${original?.content}`);
  assert.ok(interaction.followUps.every(isPrivate), `/${interaction.commandName} posted a public follow-up`);
}

test('every command refuses every wrong shape privately and changes nothing', async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice'); // owns the server: no permission refusal can stand in for the shape check
  await alice.joinVoice('General');
  const joined = await alice.slash('join');
  const joinAnswer = await joined.privateAnswer();
  assert.match(joinAnswer.content, /Joined General/);
  nothingPublic(joined);

  // Settings a wrongly handled command would visibly change.
  for (const [command, options] of [
    ['persona set', { text: 'A pirate.' }],
    ['transcript', { state: 'on' }],
    ['listen', { mode: 'addressed' }],
    ['voice set', { voice: 'Ethan', scope: 'server' }],
    ['limits', { daily_tokens: 5000, cooldown_seconds: 3, speculation: 'off' }],
    ['describe-channel', { state: 'on' }],
  ] as const) {
    await (await alice.slash(command, options)).privateAnswer();
  }
  const before = storedData();
  const requests = fake.requests.length;
  const botChannel = sim.world.voiceChannelOf(sim.guild(), sim.world.bot.id);
  assert.ok(botChannel);

  const registered = sim.rest.commands.get(sim.guild().id) ?? sim.rest.commands.get('global') ?? [];
  assert.deepEqual(registered.map((c) => c.name).sort(), commands.map((c) => c.name).sort(), 'every command is registered and tried');
  const shapes = [...registered.flatMap(wrongShapes), { label: 'a command the bot does not have', command: 'delete-everything', options: [] }];
  for (const shape of shapes) {
    const interaction = await alice.slashRaw(shape.command, shape.options);
    const answer = await interaction.privateAnswer().catch((error: unknown) => assert.fail(`${shape.label}: ${String(error)}`));
    assert.match(answer.content, /doesn't match my commands \(.+\)\. .*reload Discord/, shape.label);
    nothingPublic(interaction);
  }
  assert.ok(shapes.length > 80, `${shapes.length} shapes`);

  assert.equal(storedData(), before, 'stored data changed');
  assert.equal(fake.requests.length, requests, 'the model was asked');
  assert.equal(sim.world.voiceChannelOf(sim.guild(), sim.world.bot.id), botChannel, 'the bot left or moved');
  // The refusals name what was wrong.
  const persona = await alice.slashRaw('persona', [{ name: 'delete-everything', type: TYPE.subcommand, options: [] }]);
  assert.match((await persona.privateAnswer()).content, /\/persona has no subcommand "delete-everything"/);
  const listen = await alice.slashRaw('listen', [{ name: 'mode', type: TYPE.string, value: 'nobody' }]);
  assert.match((await listen.privateAnswer()).content, /"mode" must be one of: everyone, only-me, addressed/);
});

test('a /describe or /ask refusal takes back the public "thinking…" and is said privately', async () => {
  const { sim, fake } = world;
  const requests = fake.requests.length;
  const notAPicture = { name: 'notes.png', data: new TextEncoder().encode('just some text, not a picture\n') };
  for (const interaction of [
    await sim.user('alice').slash('describe', { file: notAPicture }),
    await sim.user('alice').slash('ask', { question: 'What is this?', image: notAPicture }),
  ]) {
    const answer = await interaction.privateAnswer(15_000);
    assert.ok(answer.content.length > 0);
    assert.equal(interaction.original, undefined, 'the public placeholder is gone');
    assert.deepEqual(
      interaction.events.map((event) => event.kind),
      ['defer', 'delete', 'followUp'],
    );
    nothingPublic(interaction);
  }
  assert.equal(fake.requests.length, requests);
});

/**
 * Builds the `data` of an application-command interaction from a registered command, the way the
 * Discord client would: options typed by the command's definition, channels / users resolved by name,
 * attachments uploaded to the CDN. Refuses what a real client cannot send (unregistered command,
 * unknown or missing required option, value outside the choices). `rawCommandData` sends what a stale or
 * hand-made client can: any names, types and values, unchecked.
 */
import type { Cdn, SimFile } from './cdn.ts';
import type { CommandRecord } from './rest.ts';
import type { GuildRecord, World } from './world.ts';

/** A value a scenario gives for an option: channel / user options take names, attachments take files. */
export type SlashValue = string | number | boolean | SimFile;

export const TYPE = {
  subcommand: 1,
  group: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  mentionable: 9,
  number: 10,
  attachment: 11,
} as const;

interface OptionDefinition {
  readonly type: number;
  readonly name: string;
  readonly required?: boolean;
  readonly choices?: ReadonlyArray<{ readonly value: string | number }>;
  readonly options?: readonly OptionDefinition[];
}

interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

/** The interaction `data` for `/name` (with "group sub" words for subcommands). */
export function commandData(
  world: World,
  cdn: Cdn,
  guild: GuildRecord,
  channelId: string,
  command: CommandRecord,
  path: readonly string[],
  values: Readonly<Record<string, SlashValue>>,
): Record<string, unknown> {
  const resolved: Resolved = {};
  let definitions = (command.options ?? []) as readonly OptionDefinition[];
  // Subcommands nest: {name: group, type: 2, options: [{name: sub, type: 1, options: [...]}]}.
  const nesting: Array<{ name: string; type: number }> = [];
  for (const word of path) {
    const sub = definitions.find((d) => d.name === word && (d.type === TYPE.subcommand || d.type === TYPE.group));
    if (!sub) throw new Error(`/${command.name} has no subcommand ${word}`);
    nesting.push({ name: word, type: sub.type });
    definitions = sub.options ?? [];
  }
  if (definitions.some((d) => d.type === TYPE.subcommand || d.type === TYPE.group)) throw new Error(`/${[command.name, ...path].join(' ')} needs a subcommand`);
  for (const name of Object.keys(values)) {
    if (!definitions.some((d) => d.name === name)) throw new Error(`/${command.name} has no option ${name}`);
  }
  const options: Array<Record<string, unknown>> = [];
  for (const definition of definitions) {
    const value = values[definition.name];
    if (value === undefined) {
      if (definition.required) throw new Error(`/${command.name} needs option ${definition.name}`);
      continue;
    }
    const wire = optionValue(world, cdn, guild, channelId, definition, value, resolved);
    if (definition.choices && !definition.choices.some((c) => c.value === wire))
      throw new Error(`${String(wire)} is not a choice of /${command.name} ${definition.name}`);
    options.push({ name: definition.name, type: definition.type, value: wire });
  }
  let nested: Array<Record<string, unknown>> = options;
  for (const level of nesting.reverse()) nested = [{ name: level.name, type: level.type, options: nested }];
  return {
    id: command.id,
    name: command.name,
    type: 1,
    ...(command.guild_id ? { guild_id: command.guild_id } : {}),
    ...(nested.length ? { options: nested } : {}),
    ...(Object.keys(resolved).length ? { resolved } : {}),
  };
}

function optionValue(
  world: World,
  cdn: Cdn,
  guild: GuildRecord,
  channelId: string,
  definition: OptionDefinition,
  value: SlashValue,
  resolved: Resolved,
): string | number | boolean {
  const expect = (ok: boolean): void => {
    if (!ok) throw new Error(`Option ${definition.name} (type ${definition.type}) cannot take ${JSON.stringify(value)}`);
  };
  switch (definition.type) {
    case TYPE.string:
      expect(typeof value === 'string');
      return value as string;
    case TYPE.integer:
      expect(Number.isInteger(value));
      return value as number;
    case TYPE.number:
      expect(typeof value === 'number');
      return value as number;
    case TYPE.boolean:
      expect(typeof value === 'boolean');
      return value as boolean;
    case TYPE.channel: {
      expect(typeof value === 'string');
      const channel = world.channel(guild, value as string);
      resolved.channels ??= {};
      resolved.channels[channel.id] = { id: channel.id, name: channel.name, type: channel.type, permissions: '0', parent_id: null };
      return channel.id;
    }
    case TYPE.user: {
      expect(typeof value === 'string');
      const user = world.findUser(value as string);
      if (!user || !guild.members.has(user.id)) throw new Error(`No member ${String(value)} in ${guild.name}`);
      resolved.users ??= {};
      resolved.users[user.id] = world.userPayload(user.id);
      resolved.members ??= {};
      resolved.members[user.id] = { ...world.memberPayload(guild, user.id, false), permissions: '0' };
      return user.id;
    }
    case TYPE.attachment: {
      expect(typeof value === 'object');
      const attachment = cdn.upload(channelId, value as SimFile);
      resolved.attachments ??= {};
      resolved.attachments[String(attachment.id)] = attachment;
      return String(attachment.id);
    }
    default:
      throw new Error(`Option type ${definition.type} (${definition.name}) is not simulated yet`);
  }
}

/** One option as a raw client sends it: any name, any declared type, any value (or nested options). */
export interface RawOption {
  readonly name: string;
  readonly type: number;
  readonly value?: SlashValue;
  readonly options?: readonly RawOption[];
}

/**
 * The interaction `data` for `options` exactly as given, against no definition. Values are still made real
 * where they can be: a channel option naming a channel of the guild becomes its id (resolved), a user option
 * naming a member likewise, an attachment option with a file is uploaded; anything else goes as it is.
 */
export function rawCommandData(
  world: World,
  cdn: Cdn,
  guild: GuildRecord,
  channelId: string,
  command: { readonly id: string; readonly name: string; readonly guild_id?: string },
  options: readonly RawOption[],
): Record<string, unknown> {
  const resolved: Resolved = {};
  const wire = (option: RawOption): Record<string, unknown> => {
    if (option.options) return { name: option.name, type: option.type, options: option.options.map(wire) };
    if (option.value === undefined) return { name: option.name, type: option.type };
    let value: SlashValue = option.value;
    const resolvable =
      (option.type === TYPE.channel && typeof value === 'string' && guild.channels.some((c) => c.name === value)) ||
      (option.type === TYPE.user && typeof value === 'string' && world.findUser(value) !== undefined) ||
      (option.type === TYPE.attachment && typeof value === 'object');
    if (resolvable) value = optionValue(world, cdn, guild, channelId, { type: option.type, name: option.name }, value, resolved);
    return { name: option.name, type: option.type, value: typeof value === 'object' ? '0' : value };
  };
  const wired = options.map(wire);
  return {
    id: command.id,
    name: command.name,
    type: 1,
    ...(command.guild_id ? { guild_id: command.guild_id } : {}),
    ...(wired.length ? { options: wired } : {}),
    ...(Object.keys(resolved).length ? { resolved } : {}),
  };
}

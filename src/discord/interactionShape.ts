/**
 * Checks a slash-command interaction against the definition its command registered, before the handler runs.
 * Discord's clients keep a copy of the commands, so a stale client (or a hand-made request) can send a
 * subcommand, an option, a type or a value the bot no longer has; handlers may assume the shape they declared.
 */
import {
  ApplicationCommandOptionType as Type,
  type APIApplicationCommandOption,
  type CommandInteractionOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/** What a person sees when their interaction does not fit the command: why, and what to do. */
export function shapeRefusal(problem: string): string {
  return `That doesn't match my commands (${problem}). Discord may be showing you an old version of them: reload Discord (Ctrl+R) and try again.`;
}

/** The problem with a command the bot does not have (any more). */
export function unknownCommandProblem(name: string): string {
  return `there is no /${clip(name)} any more`;
}

/** Why `given` does not fit `definition` (short, for the person), or undefined when it fits. */
export function shapeProblem(definition: RESTPostAPIChatInputApplicationCommandsJSONBody, given: readonly CommandInteractionOption[]): string | undefined {
  return levelProblem(`/${definition.name}`, definition.options ?? [], given);
}

function levelProblem(path: string, definitions: readonly APIApplicationCommandOption[], given: readonly CommandInteractionOption[]): string | undefined {
  const subcommands = definitions.filter((d) => d.type === Type.Subcommand || d.type === Type.SubcommandGroup);
  if (subcommands.length > 0) {
    const [chosen, ...others] = given;
    if (!chosen || others.length > 0 || (chosen.type !== Type.Subcommand && chosen.type !== Type.SubcommandGroup)) {
      return `${path} needs one of: ${subcommands.map((d) => d.name).join(', ')}`;
    }
    const definition = subcommands.find((d) => d.name === chosen.name && d.type === chosen.type);
    if (!definition) return `${path} has no subcommand "${clip(chosen.name)}"`;
    return levelProblem(`${path} ${definition.name}`, definition.options ?? [], chosen.options ?? []);
  }
  const seen = new Set<string>();
  for (const option of given) {
    const definition = definitions.find((d) => d.name === option.name);
    if (!definition) return `${path} has no option "${clip(option.name)}"`;
    if (seen.has(option.name)) return `"${definition.name}" was given twice`;
    seen.add(option.name);
    const problem = valueProblem(definition, option);
    if (problem) return `"${definition.name}" ${problem}`;
  }
  const missing = definitions.find((d) => 'required' in d && d.required && !seen.has(d.name));
  return missing ? `${path} needs "${missing.name}"` : undefined;
}

const KIND: Readonly<Record<number, string>> = {
  [Type.String]: 'text',
  [Type.Integer]: 'a whole number',
  [Type.Number]: 'a number',
  [Type.Boolean]: 'true or false',
  [Type.User]: 'a member',
  [Type.Channel]: 'a channel',
  [Type.Role]: 'a role',
  [Type.Mentionable]: 'a member or a role',
  [Type.Attachment]: 'a file',
};

function valueProblem(definition: APIApplicationCommandOption, option: CommandInteractionOption): string | undefined {
  const expected = `must be ${KIND[definition.type] ?? `of type ${definition.type}`}`;
  if (option.type !== definition.type) return expected;
  const { value } = option;
  switch (definition.type) {
    case Type.String:
      if (typeof value !== 'string') return expected;
      if (definition.min_length !== undefined && value.length < definition.min_length) return `must be at least ${definition.min_length} characters`;
      if (definition.max_length !== undefined && value.length > definition.max_length) return `must be at most ${definition.max_length} characters`;
      return choiceProblem(definition.choices, value);
    case Type.Integer:
    case Type.Number:
      if (typeof value !== 'number' || !(definition.type === Type.Integer ? Number.isSafeInteger(value) : Number.isFinite(value))) return expected;
      if (definition.min_value !== undefined && value < definition.min_value) return `must be at least ${definition.min_value}`;
      if (definition.max_value !== undefined && value > definition.max_value) return `must be at most ${definition.max_value}`;
      return choiceProblem(definition.choices, value);
    case Type.Boolean:
      return typeof value === 'boolean' ? undefined : expected;
    case Type.User:
      return option.user ? undefined : expected;
    case Type.Role:
      return option.role ? undefined : expected;
    case Type.Mentionable:
      return option.user || option.role ? undefined : expected;
    case Type.Attachment:
      return option.attachment ? undefined : expected;
    case Type.Channel: {
      if (!option.channel) return expected;
      const types = definition.channel_types;
      return types && types.length > 0 && !(types as readonly number[]).includes(option.channel.type) ? 'is not a kind of channel it takes' : undefined;
    }
    default:
      return expected;
  }
}

function choiceProblem(choices: ReadonlyArray<{ readonly value: string | number }> | undefined, value: string | number): string | undefined {
  if (!choices || choices.length === 0 || choices.some((choice) => choice.value === value)) return undefined;
  return `must be one of: ${choices.map((choice) => String(choice.value)).join(', ')}`;
}

/** Names come from the client: no control or direction characters, and an odd one cannot fill the message. */
function clip(raw: string): string {
  const name = raw.replace(/[\p{Cc}\p{Cf}`*_~|\\]/gu, '');
  return name.length > 32 ? `${name.slice(0, 31)}…` : name;
}

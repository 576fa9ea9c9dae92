// Pins the shape check on definitions the bot's own commands do not exercise: subcommand groups, roles and
// mentionables, duplicates, number ranges, length limits, and names a client made up (cleaned before echoing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationCommandOptionType as Type, type CommandInteractionOption, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { shapeProblem, unknownCommandProblem } from '../../src/discord/interactionShape.ts';

const definition = {
  name: 'admin',
  description: 'd',
  options: [
    {
      type: Type.SubcommandGroup,
      name: 'role',
      description: 'd',
      options: [
        {
          type: Type.Subcommand,
          name: 'grant',
          description: 'd',
          options: [
            { type: Type.Role, name: 'role', description: 'd', required: true },
            { type: Type.Mentionable, name: 'who', description: 'd' },
            { type: Type.Number, name: 'weight', description: 'd', min_value: 0, max_value: 1 },
            { type: Type.String, name: 'note', description: 'd', min_length: 2, max_length: 5 },
          ],
        },
      ],
    },
  ],
} as RESTPostAPIChatInputApplicationCommandsJSONBody;

const role = { id: '1', name: 'r' } as unknown as CommandInteractionOption['role'];
const grant = (...options: CommandInteractionOption[]): CommandInteractionOption[] => [
  { name: 'role', type: Type.SubcommandGroup, options: [{ name: 'grant', type: Type.Subcommand, options }] },
];
const roleOption: CommandInteractionOption = { name: 'role', type: Type.Role, value: '1', role };

test('a well-formed interaction passes, through a subcommand group', () => {
  assert.equal(shapeProblem(definition, grant(roleOption)), undefined);
  assert.equal(
    shapeProblem(definition, grant(roleOption, { name: 'who', type: Type.Mentionable, value: '1', role }, { name: 'weight', type: Type.Number, value: 0.5 })),
    undefined,
  );
});

test('each wrong shape is named', () => {
  const cases: Array<[CommandInteractionOption[], RegExp]> = [
    [[], /\/admin needs one of: role/],
    [[{ name: 'role', type: Type.Subcommand, options: [] }], /\/admin has no subcommand "role"/],
    [
      [{ name: 'role', type: Type.SubcommandGroup, options: [{ name: 'revoke', type: Type.Subcommand, options: [] }] }],
      /\/admin role has no subcommand "revoke"/,
    ],
    [grant(), /\/admin role grant needs "role"/],
    [grant({ name: 'role', type: Type.Role, value: '1' }), /"role" must be a role/],
    [grant(roleOption, roleOption), /"role" was given twice/],
    [grant(roleOption, { name: 'who', type: Type.Mentionable, value: '9' }), /"who" must be a member or a role/],
    [grant(roleOption, { name: 'weight', type: Type.Number, value: 2 }), /"weight" must be at most 1/],
    [grant(roleOption, { name: 'weight', type: Type.Number, value: Number.NaN }), /"weight" must be a number/],
    [grant(roleOption, { name: 'note', type: Type.String, value: 'x' }), /"note" must be at least 2 characters/],
    [grant(roleOption, { name: 'note', type: Type.String, value: 'x'.repeat(6) }), /"note" must be at most 5 characters/],
    [grant(roleOption, { name: 'note', type: Type.Integer, value: 3 }), /"note" must be text/],
  ];
  for (const [given, expected] of cases) assert.match(shapeProblem(definition, given) ?? 'passed', expected);
});

test('names a client made up are cleaned and cut before they are echoed', () => {
  const problem = shapeProblem(definition, [{ name: `x\u202e**${'y'.repeat(60)}`, type: Type.Subcommand, options: [] }]) ?? '';
  assert.doesNotMatch(problem, /[\u202e*]/);
  assert.ok(problem.length < 80, problem);
  assert.equal(unknownCommandProblem('gone'), 'there is no /gone any more');
});

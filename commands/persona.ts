/** `/persona set | show | clear`: the server's instructions for how the bot talks (Manage Server to change). */
import { SlashCommandBuilder } from 'discord.js';
import { replyPrivately, requireGuild, requireManageGuild, subcommandOf, type SlashCommand } from '../src/discord/command.ts';
import { InvalidInputError } from '../src/errors.ts';
import { PERSONA_MAX_LENGTH } from '../src/store/limits.ts';

export const persona: SlashCommand = {
  name: 'persona',
  definition: () =>
    new SlashCommandBuilder()
      .setName('persona')
      .setDescription("The server's instructions for how the bot talks")
      .setDMPermission(false)
      .addSubcommand((sub) =>
        sub
          .setName('set')
          .setDescription('Set the persona (Manage Server)')
          .addStringOption((option) =>
            option.setName('text').setDescription('e.g. "A cheerful pirate who keeps answers short"').setRequired(true).setMaxLength(PERSONA_MAX_LENGTH),
          ),
      )
      .addSubcommand((sub) => sub.setName('show').setDescription('Show the current persona'))
      .addSubcommand((sub) => sub.setName('clear').setDescription('Remove the persona (Manage Server)'))
      .toJSON(),
  async execute(interaction, { store }) {
    const guildId = requireGuild(interaction);
    const sub = subcommandOf(interaction, ['set', 'show', 'clear']);
    switch (sub) {
      case 'show': {
        const current = (await store.settings.getGuildSettings(guildId)).persona;
        return replyPrivately(interaction, current ? `Persona: ${current}` : 'No persona is set; I talk as myself.');
      }
      case 'set': {
        requireManageGuild(interaction, 'the persona');
        const text = interaction.options.getString('text', true).trim();
        if (!text) throw new InvalidInputError('The persona is empty; /persona clear removes it.');
        await store.settings.updateGuildSettings(guildId, { persona: text });
        return replyPrivately(interaction, 'Persona saved. It applies from the next reply.');
      }
      case 'clear':
        requireManageGuild(interaction, 'the persona');
        await store.settings.updateGuildSettings(guildId, { persona: null });
        return replyPrivately(interaction, 'Persona cleared.');
      default:
        return sub satisfies never;
    }
  },
};

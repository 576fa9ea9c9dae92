/** `/persona set | show | clear`: the server's instructions for how the bot talks (Manage Server to change). */
import { SlashCommandBuilder } from 'discord.js';
import { replyPrivately, requireGuild, requireManageGuild, type SlashCommand } from '../src/discord/command.ts';
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
    const sub = interaction.options.getSubcommand();
    if (sub === 'show') {
      const current = (await store.settings.getGuildSettings(guildId)).persona;
      return replyPrivately(interaction, current ? `Persona: ${current}` : 'No persona is set; I talk as myself.');
    }
    requireManageGuild(interaction, 'the persona');
    const text = sub === 'set' ? interaction.options.getString('text', true).trim() : null;
    await store.settings.updateGuildSettings(guildId, { persona: text || null });
    await replyPrivately(interaction, text ? 'Persona saved. It applies from the next reply.' : 'Persona cleared.');
  },
};

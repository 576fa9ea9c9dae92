/** `/listen <everyone | only-me | addressed>`: whom the bot answers in the voice channel. */
import { SlashCommandBuilder } from 'discord.js';
import { replyPrivately, requireGuild, requireListenerOrManager, type SlashCommand } from '../src/discord/command.ts';

const EXPLANATIONS = {
  everyone: 'I answer everyone in the channel.',
  'only-me': 'I answer only you; others can talk freely.',
  addressed: 'I answer only when someone speaks to me by name.',
} as const;

export const listen: SlashCommand = {
  name: 'listen',
  definition: () =>
    new SlashCommandBuilder()
      .setName('listen')
      .setDescription('Choose whom the bot answers in the voice channel')
      .setDMPermission(false)
      .addStringOption((option) =>
        option
          .setName('mode')
          .setDescription('Whom to answer')
          .setRequired(true)
          .addChoices(
            { name: 'everyone', value: 'everyone' },
            { name: 'only me', value: 'only-me' },
            { name: 'only when addressed by name', value: 'addressed' },
          ),
      )
      .toJSON(),
  async execute(interaction, services) {
    const guildId = requireGuild(interaction);
    requireListenerOrManager(interaction, services, 'whom I listen to');
    const mode = interaction.options.getString('mode', true) as keyof typeof EXPLANATIONS;
    await services.store.settings.updateGuildSettings(guildId, {
      listen: mode === 'only-me' ? { mode, userId: interaction.user.id } : { mode },
    });
    await replyPrivately(interaction, EXPLANATIONS[mode]);
  },
};

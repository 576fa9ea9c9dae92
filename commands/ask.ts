/** `/ask <question> [thinking]`: a typed question, answered as streaming text (thinking mode on models that can). */
import { SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { answerInChat } from '../src/discord/chat/answerInChat.ts';
import type { MessageSink } from '../src/discord/chat/StreamingReply.ts';

export const ask: SlashCommand = {
  name: 'ask',
  definition: (model) => {
    const builder = new SlashCommandBuilder()
      .setName('ask')
      .setDescription('Ask the model a question in text')
      .addStringOption((option) => option.setName('question').setDescription('Your question').setRequired(true).setMaxLength(4000));
    if (model.canThink) {
      builder.addBooleanOption((option) => option.setName('thinking').setDescription('Think step by step first (slower, text only)'));
    }
    return builder.toJSON();
  },
  async execute(interaction, services) {
    await interaction.deferReply();
    const sink: MessageSink = {
      async create(content, index) {
        const message = index === 0 ? await interaction.editReply({ content, allowedMentions: { parse: [] } }) : await interaction.followUp({ content, allowedMentions: { parse: [] } });
        return {
          edit: async (next) => {
            await (index === 0 ? interaction.editReply({ content: next, allowedMentions: { parse: [] } }) : interaction.webhook.editMessage(message, { content: next }));
          },
        };
      },
    };
    await answerInChat(
      {
        userId: interaction.user.id,
        guildId: interaction.guildId,
        text: interaction.options.getString('question', true),
        thinking: services.model.canThink && (interaction.options.getBoolean('thinking') ?? false),
      },
      sink,
      services,
    );
  },
};

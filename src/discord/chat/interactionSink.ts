/** A MessageSink that streams an answer into a deferred slash-command reply, then follow-ups past 2,000 characters. */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { MessageSink } from './StreamingReply.ts';

const NO_MENTIONS = { parse: [] } as const;

export function interactionSink(interaction: ChatInputCommandInteraction): MessageSink {
  return {
    async create(content, index) {
      const message =
        index === 0
          ? await interaction.editReply({ content, allowedMentions: NO_MENTIONS })
          : await interaction.followUp({ content, allowedMentions: NO_MENTIONS });
      return {
        edit: async (next) => {
          await (index === 0
            ? interaction.editReply({ content: next, allowedMentions: NO_MENTIONS })
            : interaction.webhook.editMessage(message, { content: next, allowedMentions: NO_MENTIONS }));
        },
      };
    },
  };
}

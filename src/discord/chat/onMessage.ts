/**
 * Chat messages addressed to the bot (a mention, a reply to it, or a DM): images are described, text is
 * answered, both as streamed text. The bytes decide what a file is, never its name.
 */
import type { Message } from 'discord.js';
import type { BotServices } from '../command.ts';
import { BotError } from '../../errors.ts';
import { probeImage } from '../../media/probeImage.ts';
import type { MediaInput } from '../../omni/media.ts';
import { answerInChat } from './answerInChat.ts';
import { downloadAttachment } from './attachments.ts';
import type { MessageSink } from './StreamingReply.ts';

const NO_MENTIONS = { parse: [], repliedUser: false } as const;

async function isAddressed(message: Message, botId: string): Promise<boolean> {
  if (!message.inGuild()) return true;
  if (message.mentions.users.has(botId)) return true;
  if (!message.reference?.messageId) return false;
  const replied = await message.fetchReference().catch(() => undefined);
  return replied?.author.id === botId;
}

function replySink(message: Message): MessageSink {
  return {
    async create(content, index) {
      const sent = index === 0
        ? await message.reply({ content, allowedMentions: NO_MENTIONS })
        : await (message.channel as { send(options: object): Promise<Message> }).send({ content, allowedMentions: NO_MENTIONS });
      return { edit: async (next) => void (await sent.edit({ content: next, allowedMentions: NO_MENTIONS })) };
    },
  };
}

/** Handles one incoming message; every failure becomes a short reply, never a crash. */
export async function onMessage(message: Message, services: BotServices, botId: string, attachmentOrigins: readonly string[]): Promise<void> {
  if (message.author.bot || !(await isAddressed(message, botId))) return;
  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
  const files = [...message.attachments.values()];
  if (!text && files.length === 0) return;
  try {
    if ('sendTyping' in message.channel) void message.channel.sendTyping().catch(() => {});
    let media: MediaInput | undefined;
    if (files.length > 0) {
      const maxBytes = services.model.media.imageMaxBytes;
      const images = await Promise.all(
        files.map(async (file) => probeImage(await downloadAttachment(file.name, file.url, { maxBytes, extraOrigins: attachmentOrigins }))),
      );
      media = { kind: 'images', images };
    }
    const question = text || (files.length > 1 ? 'Describe these images.' : 'Describe this image.');
    await answerInChat({ userId: message.author.id, guildId: message.guildId, text: question, ...(media ? { media } : {}) }, replySink(message), services);
  } catch (error) {
    const expected = error instanceof BotError;
    services.log[expected ? 'info' : 'error']({ err: error, channel: message.channelId }, 'chat answer refused or failed');
    await message
      .reply({ content: expected ? error.userMessage : 'Something went wrong with that. Please try again.', allowedMentions: NO_MENTIONS })
      .catch(() => {});
  }
}

/**
 * Chat messages for the bot: a mention, a reply to it, a DM, or files posted in a /describe-channel channel.
 * Files are described (images, a video, an audio file), text is answered, both as streamed text; the answer is
 * also spoken in the asker's voice channel when the bot is there, and a voice message gets a voice message back.
 */
import { AttachmentBuilder, MessageFlags, type Message } from 'discord.js';
import type { BotServices } from '../command.ts';
import { BotError } from '../../errors.ts';
import type { VoiceMessage } from '../../media/voiceMessage.ts';
import { PersonGate } from './PersonGate.ts';
import { defaultQuestion, readPostedFiles, type PostedMedia } from './postedMedia.ts';
import { respond } from './respond.ts';
import type { MessageSink } from './StreamingReply.ts';
import { keepTyping, untilFirstWords, type Typing } from './typing.ts';
import { ChannelWriteLimits, type WriteSlots } from './writeBudget.ts';

const NO_MENTIONS = { parse: [], repliedUser: false } as const;
const BUSY_NOTICE = "I'm still on your earlier message (and one more after it); send this again once I've answered.";

/** Per-bot limits on chat: one request per person at a time, and each channel's write budget. */
interface ChatLimits {
  readonly people: PersonGate;
  readonly writes: ChannelWriteLimits;
}

/** Keyed by the bot's services, so each bot instance (a restart in tests, say) has its own. */
const limitsByBot = new WeakMap<BotServices, ChatLimits>();

function limitsOf(services: BotServices): ChatLimits {
  let limits = limitsByBot.get(services);
  if (!limits) {
    limits = { people: new PersonGate(), writes: new ChannelWriteLimits() };
    limitsByBot.set(services, limits);
  }
  return limits;
}

async function isAddressed(message: Message, botId: string): Promise<boolean> {
  if (!message.inGuild()) return true;
  if (message.mentions.users.has(botId)) return true;
  if (!message.reference?.messageId) return false;
  const replied = await message.fetchReference().catch(() => undefined);
  return replied?.author.id === botId;
}

/** Replies to `message`, then continues in its channel. */
function replySink(message: Message, writes: WriteSlots): MessageSink {
  return {
    writes,
    async create(content, index) {
      const sent =
        index === 0
          ? await message.reply({ content, allowedMentions: NO_MENTIONS })
          : await (message.channel as { send(options: object): Promise<Message> }).send({ content, allowedMentions: NO_MENTIONS });
      return { edit: async (next) => void (await sent.edit({ content: next, allowedMentions: NO_MENTIONS })) };
    },
  };
}

/** A voice message as Discord wants it: the Ogg file alone, with its duration and waveform, flagged. */
export function voiceMessagePayload(voiceMessage: VoiceMessage) {
  const file = new AttachmentBuilder(voiceMessage.ogg, { name: 'voice-message.ogg' })
    .setDuration(voiceMessage.durationSeconds)
    .setWaveform(voiceMessage.waveform);
  return { files: [file], flags: MessageFlags.IsVoiceMessage, allowedMentions: NO_MENTIONS } as const;
}

/** Handles one incoming message; every failure becomes a short reply, never a crash. */
export async function onMessage(message: Message, services: BotServices, botId: string): Promise<void> {
  if (message.author.bot) return;
  const files = [...message.attachments.values()];
  // With the database away, a describe channel is not recognised: files there are then answered only when mentioned.
  const inDescribeChannel =
    message.inGuild() &&
    files.length > 0 &&
    (await services.store.describeChannels.has(message.guildId, message.channelId).catch((error: unknown) => {
      services.log.warn({ err: error, channel: message.channelId }, 'could not check for a describe channel');
      return false;
    }));
  if (!inDescribeChannel && !(await isAddressed(message, botId))) return;
  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
  if (!text && files.length === 0) return;
  const isVoiceMessage = message.flags.has(MessageFlags.IsVoiceMessage);
  const limits = limitsOf(services);
  const writes = limits.writes.forChannel(message.channelId);
  const ticket = await limits.people.enter(message.author.id);
  if (!ticket.admitted) {
    services.log.info({ user: message.author.id, channel: message.channelId }, 'chat message refused: one request at a time per person');
    if (ticket.firstRefusal) {
      await writes.take();
      await message.reply({ content: BUSY_NOTICE, allowedMentions: NO_MENTIONS }).catch(() => {});
    }
    return;
  }
  let typing: Typing | undefined;
  try {
    const channel = message.channel;
    if ('sendTyping' in channel) typing = keepTyping(() => channel.sendTyping());
    const sink = typing ? untilFirstWords(replySink(message, writes), typing) : replySink(message, writes);
    let posted: PostedMedia | undefined;
    if (files.length > 0) posted = await readPostedFiles(files, services);
    const answer = await respond(
      {
        userId: message.author.id,
        guildId: message.guildId,
        askerVoiceChannelId: message.guild?.voiceStates.cache.get(message.author.id)?.channelId,
        text: text || defaultQuestion(posted?.media, message.member?.displayName ?? message.author.displayName),
        ...(posted ? { media: posted.media, notes: posted.leftOut } : {}),
        speakInVoice: true,
        wantVoiceMessage: isVoiceMessage,
      },
      sink,
      services,
    );
    if (answer.voiceMessage) {
      await writes.take();
      await message.reply(voiceMessagePayload(answer.voiceMessage));
    }
  } catch (error) {
    typing?.stop();
    const expected = error instanceof BotError;
    services.log[expected ? 'info' : 'error']({ err: error, channel: message.channelId }, 'chat answer refused or failed');
    await writes.take();
    await message
      .reply({ content: expected ? error.userMessage : 'Something went wrong with that. Please try again.', allowedMentions: NO_MENTIONS })
      .catch(() => {});
  } finally {
    typing?.stop();
    ticket.release();
  }
}

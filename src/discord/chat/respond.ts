/**
 * An answer to something posted in chat: streamed as text, spoken in the asker's voice channel when the bot is
 * there with them, and returned as a voice message when they spoke to it with one.
 */
import { VoiceMessageEncoder, type VoiceMessage } from '../../media/voiceMessage.ts';
import { findVoice } from '../../omni/catalogue.ts';
import type { MediaInput } from '../../omni/media.ts';
import type { LiveSpeech } from '../../playback/LiveSpeech.ts';
import type { BotServices } from '../command.ts';
import { answerInChat } from './answerInChat.ts';
import type { MessageSink } from './StreamingReply.ts';

export interface ChatRequest {
  readonly userId: string;
  readonly guildId: string | null;
  /** The voice channel the asker is in, if any: the answer is spoken there when the bot is in it too. */
  readonly askerVoiceChannelId?: string | null;
  readonly text: string;
  readonly media?: MediaInput;
  readonly thinking?: boolean;
  /** Speak the answer in the voice channel (when possible); true unless the person said otherwise. */
  readonly speakInVoice: boolean;
  /** Also return the spoken answer as a voice message. */
  readonly wantVoiceMessage: boolean;
  /** Short lines shown above the answer (files left out, and why). */
  readonly notes?: readonly string[];
}

export interface ChatResponse {
  readonly text: string;
  readonly voiceMessage?: VoiceMessage;
}

/** The voice to answer `userId` in: theirs, else the server's, else the configured default. */
export function voiceFor(services: BotServices, userId: string, guildId: string | null): string {
  const { cache, model, config } = services;
  return cache.resolveVoice(userId, guildId, config.omni.defaultVoice, (name) => findVoice(model, name) !== undefined).voice;
}

export async function respond(request: ChatRequest, sink: MessageSink, services: BotServices): Promise<ChatResponse> {
  const canSpeak = !request.thinking;
  let speech: LiveSpeech | undefined;
  if (canSpeak && request.speakInVoice && request.guildId) speech = await services.voice.speechFor(request.guildId, request.askerVoiceChannelId);
  const recorder = canSpeak && request.wantVoiceMessage ? new VoiceMessageEncoder() : undefined;
  let spokenSamples = 0;
  const voice = speech || recorder ? voiceFor(services, request.userId, request.guildId) : undefined;
  let text: string;
  try {
    text = await answerInChat(
      {
        userId: request.userId,
        guildId: request.guildId,
        text: request.text,
        ...(request.media ? { media: request.media } : {}),
        ...(request.thinking ? { thinking: true } : {}),
        ...(voice ? { voice } : {}),
        ...(request.notes?.length ? { notes: request.notes } : {}),
      },
      sink,
      services,
      (pcm) => {
        speech?.push(pcm);
        recorder?.push(pcm);
        spokenSamples += pcm.length;
      },
    );
  } catch (error) {
    speech?.stop();
    recorder?.discard();
    throw error;
  }
  // The text is complete; the voice channel may still be hearing the end of it.
  void speech?.end().catch((error: unknown) => services.log.warn({ err: error }, 'spoken chat answer failed'));
  const voiceMessage = recorder?.finish();
  return voiceMessage && spokenSamples > 0 ? { text, voiceMessage } : { text };
}

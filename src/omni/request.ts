/**
 * Builds chat-completions bodies that the Qwen-Omni service accepts, and only those: streaming with usage,
 * one non-text modality per user message, text-only assistant turns, voices of the model, thinking only
 * where the model thinks (and then text output only).
 */
import { InvalidInputError } from '../errors.ts';
import { findVoice, type OmniModel } from './catalogue.ts';
import { toDataUrl, type MediaInput } from './media.ts';
import { validateMedia } from './validate.ts';

/** One turn of the conversation as the bot keeps it. */
export type Turn = { readonly role: 'user'; readonly text?: string; readonly media?: MediaInput } | { readonly role: 'assistant'; readonly text: string };

/** Everything needed for one model call. */
export interface OmniRequest {
  readonly model: OmniModel;
  /** The persona and house rules; folded into the first user text where the model forbids a system message. */
  readonly system?: string;
  readonly turns: readonly Turn[];
  /** Speak the reply in this voice; without it the reply is text only. */
  readonly voice?: string;
  /** Think before answering (text only, on models that can). */
  readonly thinking?: boolean;
  readonly maxOutputTokens?: number;
}

type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' } }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'video_url'; video_url: { url: string } }
  | { type: 'video'; video: string[] };

type WireMessage = { role: 'system'; content: string } | { role: 'user'; content: string | ContentPart[] } | { role: 'assistant'; content: string };

/** The JSON body sent to `POST /chat/completions`. */
export interface ChatRequestBody {
  model: string;
  messages: WireMessage[];
  stream: true;
  stream_options: { include_usage: true };
  modalities: ['text'] | ['text', 'audio'];
  audio?: { voice: string; format: 'wav' };
  /** DashScope extension; sent only when true, since models that cannot think reject the field. */
  enable_thinking?: true;
  max_tokens?: number;
}

function mediaParts(media: MediaInput): ContentPart[] {
  switch (media.kind) {
    case 'audio':
      return [{ type: 'input_audio', input_audio: { data: toDataUrl(media.wav, 'audio/wav'), format: 'wav' } }];
    case 'images':
      return media.images.map((image) => ({ type: 'image_url', image_url: { url: toDataUrl(image.bytes, image.mime) } }));
    case 'video_file':
      return [{ type: 'video_url', video_url: { url: toDataUrl(media.bytes, media.mime) } }];
    case 'image_sequence':
      return [{ type: 'video', video: media.frames.map((frame) => toDataUrl(frame.bytes, frame.mime)) }];
  }
}

function userMessage(text: string | undefined, media: MediaInput | undefined): WireMessage {
  if (!media) return { role: 'user', content: text ?? '' };
  const parts = mediaParts(media);
  if (text) parts.push({ type: 'text', text });
  return { role: 'user', content: parts };
}

/** Turns a request into a body the service accepts; throws InvalidInputError with a readable reason otherwise. */
export function buildRequestBody(request: OmniRequest): ChatRequestBody {
  const { model } = request;
  if (request.thinking && !model.canThink) throw new InvalidInputError(`${model.id} cannot use thinking mode.`);
  if (request.thinking && request.voice) throw new InvalidInputError('Thinking mode answers in text only, so it cannot speak.');

  let voice: string | undefined;
  if (request.voice !== undefined) {
    voice = findVoice(model, request.voice)?.name;
    if (!voice) {
      throw new InvalidInputError(`${request.voice} is not a voice of ${model.id}. Try one of: ${model.voices.map((v) => v.name).join(', ')}.`);
    }
  }

  const lastTurn = request.turns.at(-1);
  if (lastTurn?.role !== 'user') throw new InvalidInputError('There is nothing to answer.');

  const foldSystem = voice !== undefined && !model.systemWithAudio;
  let pendingSystem = foldSystem ? request.system : undefined;
  const messages: WireMessage[] = [];
  if (request.system && !foldSystem) messages.push({ role: 'system', content: request.system });

  for (const turn of request.turns) {
    if (turn.role === 'assistant') {
      messages.push({ role: 'assistant', content: turn.text });
      continue;
    }
    if (!turn.text && !turn.media) throw new InvalidInputError('A message had neither text nor media.');
    if (turn.media) validateMedia(turn.media, model);
    let text = turn.text;
    if (pendingSystem) {
      text = text ? `${pendingSystem}\n\n${text}` : pendingSystem;
      pendingSystem = undefined;
    }
    messages.push(userMessage(text, turn.media));
  }

  return {
    model: model.id,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    modalities: voice ? ['text', 'audio'] : ['text'],
    ...(voice ? { audio: { voice, format: 'wav' as const } } : {}),
    ...(request.thinking ? { enable_thinking: true as const } : {}),
    ...(request.maxOutputTokens ? { max_tokens: request.maxOutputTokens } : {}),
  };
}

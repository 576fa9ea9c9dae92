/**
 * Input token estimates per message, from the model's published rates, so history can be trimmed to the
 * input budget before sending. Estimates err high: an over-full request fails, a trimmed one does not.
 */
import type { OmniModel } from './catalogue.ts';
import type { ImageInput, MediaInput } from './media.ts';

// CJK text is close to one token per character; other scripts average about four characters per token.
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/gu;
const CHARS_PER_TOKEN = 4;
/** Fixed cost of a message's role markers and separators. */
const MESSAGE_OVERHEAD_TOKENS = 4;
/** Frame size assumed for a video file whose dimensions are unknown. */
const DEFAULT_VIDEO_FRAME = { width: 640, height: 360 } as const;

/** Tokens of a text. */
export function textTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / CHARS_PER_TOKEN);
}

/** Tokens of audio lasting `seconds` (audio under a second is billed as one second). */
export function audioTokens(seconds: number, model: OmniModel): number {
  return Math.ceil(Math.max(1, seconds) * model.rates.audioTokensPerSecond);
}

/** Tokens of one image of these dimensions. */
export function imageTokens(width: number, height: number, model: OmniModel): number {
  const { imagePatchPx, imageMinTokens, imageMaxTokens } = model.rates;
  const patches = Math.ceil(width / imagePatchPx) * Math.ceil(height / imagePatchPx);
  return Math.min(imageMaxTokens, Math.max(imageMinTokens, patches));
}

function imagesTokens(images: readonly ImageInput[], model: OmniModel): number {
  return images.reduce((sum, image) => sum + imageTokens(image.width, image.height, model), 0);
}

/** Tokens of a message's media. */
export function mediaTokens(media: MediaInput, model: OmniModel): number {
  switch (media.kind) {
    case 'audio':
      return audioTokens(media.seconds, model);
    case 'images':
      return imagesTokens(media.images, model);
    case 'image_sequence':
      return imagesTokens(media.frames, model);
    case 'video_file': {
      const frames = Math.max(model.media.videoMinFrames, Math.ceil(media.seconds * model.rates.videoFramesPerSecond));
      const frameTokens = imageTokens(media.width ?? DEFAULT_VIDEO_FRAME.width, media.height ?? DEFAULT_VIDEO_FRAME.height, model);
      // The sound track is billed as audio on top of the frames.
      return frames * frameTokens + audioTokens(media.seconds, model);
    }
  }
}

/** Tokens of one whole message: text, media and overhead. */
export function messageTokens(message: { text?: string; media?: MediaInput }, model: OmniModel): number {
  return MESSAGE_OVERHEAD_TOKENS + textTokens(message.text ?? '') + (message.media ? mediaTokens(message.media, model) : 0);
}

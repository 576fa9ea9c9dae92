/**
 * The `usage` block, computed from what was really sent and streamed, at the model's published rates.
 * Text is counted at one token per four characters (rounded up): a stand-in for the real tokenizer, close
 * enough for budgeting tests and exact enough to assert on.
 */
import { IMAGE_MAX_TOKENS, IMAGE_MIN_TOKENS, OUTPUT_SAMPLE_RATE } from './models.ts';
import type { FakeModel } from './models.ts';
import type { ParsedRequest } from './parseRequest.ts';
import type { RecordedImage } from './types.ts';

/** The usage object of the last stream chunk, as the service sends it. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details: {
    readonly text_tokens: number;
    readonly audio_tokens: number;
    readonly image_tokens: number;
    readonly video_tokens: number;
  };
  readonly completion_tokens_details: {
    readonly text_tokens: number;
    readonly audio_tokens: number;
    readonly reasoning_tokens: number;
  };
}

const CHARS_PER_TOKEN = 4;

/** Tokens of this many characters of text. */
export function textTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Tokens of audio input (under a second is billed as a second). */
export function audioInputTokens(seconds: number, model: FakeModel): number {
  return Math.ceil(Math.max(1, seconds) * model.audioTokensPerSecond);
}

/** Tokens of one image: one per patch, clamped to the model's range. */
export function imageTokens(width: number, height: number, model: FakeModel): number {
  const patches = Math.ceil(width / model.imagePatchPx) * Math.ceil(height / model.imagePatchPx);
  return Math.min(IMAGE_MAX_TOKENS, Math.max(IMAGE_MIN_TOKENS, patches));
}

function sumImages(images: readonly RecordedImage[], model: FakeModel): number {
  return images.reduce((sum, image) => sum + imageTokens(image.width, image.height, model), 0);
}

/** Usage for a request and the reply streamed to it. */
export function computeUsage(request: ParsedRequest, model: FakeModel, reply: { text: string; reasoning: string; audioSamples: number }): Usage {
  let audio = request.audioInputs.reduce((sum, input) => sum + audioInputTokens(input.seconds, model), 0);
  let video = 0;
  for (const item of request.videos) {
    if (item.kind === 'frames') {
      video += sumImages(item.images, model);
      continue;
    }
    // A frame of unknown size costs the minimum; a file's sound track is billed as audio on top.
    video += item.frames * (item.width && item.height ? imageTokens(item.width, item.height, model) : IMAGE_MIN_TOKENS);
    if (item.hasAudio && item.seconds !== undefined) audio += audioInputTokens(item.seconds, model);
  }
  const prompt = {
    text_tokens: textTokens(request.promptChars),
    audio_tokens: audio,
    image_tokens: sumImages(request.images, model),
    video_tokens: video,
  };
  const completion = {
    text_tokens: textTokens(reply.text.length),
    audio_tokens: Math.ceil((reply.audioSamples / OUTPUT_SAMPLE_RATE) * model.audioTokensPerSecond),
    reasoning_tokens: textTokens(reply.reasoning.length),
  };
  const promptTokens = prompt.text_tokens + prompt.audio_tokens + prompt.image_tokens + prompt.video_tokens;
  const completionTokens = completion.text_tokens + completion.audio_tokens + completion.reasoning_tokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: prompt,
    completion_tokens_details: completion,
  };
}

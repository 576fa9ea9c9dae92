/**
 * Turns a chat-completions body into what the fake records, and finds the first thing the real service would
 * reject. Checks run in a fixed order (model, stream, output settings, messages, media) and the first problem
 * wins, so a test sees one definite error.
 */
import { ApiError, invalidParameter } from './apiError.ts';
import { decodeDataUrl, isRemoteUrl } from './dataUrl.ts';
import { probeImage } from './imageProbe.ts';
import { IMAGE_MAX_ASPECT_RATIO, IMAGE_MIN_SIDE_PX, VIDEO_FRAMES_PER_SECOND, findFakeModel } from './models.ts';
import type { FakeModel } from './models.ts';
import { probeVideo } from './mp4Probe.ts';
import type { RecordedAudio, RecordedImage, RecordedMessage, RecordedVideo } from './types.ts';
import { readPcm16Wav } from './wav.ts';

/** The request as the fake understands it. */
export interface ParsedRequest {
  readonly model: string | undefined;
  readonly fakeModel: FakeModel | undefined;
  readonly messages: readonly RecordedMessage[];
  readonly modalities: readonly string[];
  readonly audioOutput: boolean;
  readonly voice: string | undefined;
  readonly enableThinking: boolean;
  readonly includeUsage: boolean;
  readonly audioInputs: readonly RecordedAudio[];
  readonly images: readonly RecordedImage[];
  readonly videos: readonly RecordedVideo[];
  readonly texts: readonly string[];
  readonly systemText: string | undefined;
  /** Characters of all text in the conversation, system and history included (for usage). */
  readonly promptChars: number;
}

/** The real service's wording for a request without `stream: true`. */
export const STREAM_ONLY_MESSAGE = 'This model only support stream mode, please enable the stream parameter to get the model output.';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs `parse`, turning the ApiError it throws into a recorded problem. */
function attempt<T>(problems: ApiError[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problems.push(error);
    return undefined;
  }
}

function parseAudio(part: Record<string, unknown>, messageIndex: number, model: FakeModel | undefined): RecordedAudio {
  const input = isRecord(part.input_audio) ? part.input_audio : {};
  const data = input.data;
  const format = typeof input.format === 'string' ? input.format : undefined;
  if (typeof data !== 'string') throw invalidParameter('input_audio.data must be a string.', 'input_audio.data');
  if (isRemoteUrl(data)) {
    return { messageIndex, url: data, format, sampleRate: 0, channels: 0, samples: new Int16Array(0), seconds: 0, bytes: 0 };
  }
  const item = decodeDataUrl(data, 'input_audio.data');
  let pcm: ReturnType<typeof readPcm16Wav>;
  try {
    pcm = readPcm16Wav(item.bytes);
  } catch (error) {
    throw invalidParameter(`The audio could not be decoded (the fake reads only PCM16 WAV): ${(error as Error).message}.`, 'input_audio.data');
  }
  if (model && pcm.seconds > model.audioMaxSeconds) {
    throw invalidParameter(`The audio is ${pcm.seconds.toFixed(1)} s long; ${model.id} accepts at most ${model.audioMaxSeconds} s.`, 'input_audio.data');
  }
  return { messageIndex, format, ...pcm, bytes: item.bytes.byteLength };
}

function parseImage(url: unknown, messageIndex: number, param: string): RecordedImage {
  if (typeof url !== 'string') throw invalidParameter(`${param} must be a string.`, param);
  if (isRemoteUrl(url)) return { messageIndex, url, mime: undefined, width: 0, height: 0, bytes: 0 };
  const item = decodeDataUrl(url, param);
  const header = probeImage(item.bytes);
  if (!header) throw invalidParameter('The image format is illegal and cannot be opened.', param);
  const { width, height } = header;
  if (width <= IMAGE_MIN_SIDE_PX || height <= IMAGE_MIN_SIDE_PX) {
    throw invalidParameter(
      `The image length and width do not meet the model restrictions. [height:${height} or width:${width} must be larger than ${IMAGE_MIN_SIDE_PX}]`,
      param,
    );
  }
  if (Math.max(width / height, height / width) > IMAGE_MAX_ASPECT_RATIO) {
    throw invalidParameter(`The image aspect ratio ${width}:${height} exceeds ${IMAGE_MAX_ASPECT_RATIO}:1.`, param);
  }
  return { messageIndex, mime: header.mime, width, height, bytes: item.bytes.byteLength };
}

function parseFrameList(part: Record<string, unknown>, messageIndex: number, model: FakeModel | undefined): RecordedVideo {
  const list = part.video;
  if (!Array.isArray(list)) throw invalidParameter('video must be a list of image URLs.', 'video');
  if (model && (list.length < model.videoMinFrames || list.length > model.videoMaxFrames)) {
    throw invalidParameter(`An image-list video needs ${model.videoMinFrames} to ${model.videoMaxFrames} images on ${model.id}; got ${list.length}.`, 'video');
  }
  const images = list.map((url) => parseImage(url, messageIndex, 'video'));
  return { kind: 'frames', messageIndex, frames: images.length, images };
}

function parseVideoFile(part: Record<string, unknown>, messageIndex: number, model: FakeModel | undefined): RecordedVideo {
  const video = part.video_url;
  const url = isRecord(video) ? video.url : video;
  if (typeof url !== 'string') throw invalidParameter('video_url.url must be a string.', 'video_url.url');
  const minFrames = model?.videoMinFrames ?? 2;
  if (isRemoteUrl(url)) {
    return { kind: 'file', messageIndex, url, mime: '', bytes: 0, seconds: undefined, width: undefined, height: undefined, hasAudio: false, frames: minFrames };
  }
  const item = decodeDataUrl(url, 'video_url.url');
  const header = probeVideo(item.bytes);
  const seconds = header.seconds;
  if (model && seconds !== undefined && seconds > model.videoMaxSeconds) {
    throw invalidParameter(`The video is ${seconds.toFixed(1)} s long; ${model.id} accepts at most ${model.videoMaxSeconds} s.`, 'video_url.url');
  }
  const sampled = seconds === undefined ? minFrames : Math.ceil(seconds * VIDEO_FRAMES_PER_SECOND);
  const frames = Math.min(model?.videoMaxFrames ?? sampled, Math.max(minFrames, sampled));
  return {
    kind: 'file',
    messageIndex,
    mime: item.mime,
    bytes: item.bytes.byteLength,
    seconds,
    width: header.width,
    height: header.height,
    hasAudio: header.hasAudio,
    frames,
  };
}

interface Collected {
  readonly audioInputs: RecordedAudio[];
  readonly images: RecordedImage[];
  readonly videos: RecordedVideo[];
  readonly texts: string[];
  readonly systemTexts: string[];
}

/** Parses one message's content parts, recording media and enforcing "text plus one other modality". */
function parseContent(content: unknown[], role: string, index: number, model: FakeModel | undefined, out: Collected, problems: ApiError[]): void {
  const kinds = new Set<string>();
  let audioItems = 0;
  let videoFiles = 0;
  for (const part of content) {
    if (!isRecord(part)) {
      problems.push(invalidParameter(`messages[${index}].content items must be objects.`, 'messages'));
      continue;
    }
    switch (part.type) {
      case 'text': {
        const text = typeof part.text === 'string' ? part.text : '';
        (role === 'system' ? out.systemTexts : out.texts).push(text);
        break;
      }
      case 'image_url': {
        kinds.add('image');
        const image = part.image_url;
        const found = attempt(problems, () => parseImage(isRecord(image) ? image.url : image, index, 'image_url.url'));
        if (found) out.images.push(found);
        break;
      }
      case 'input_audio': {
        kinds.add('audio');
        audioItems++;
        const found = attempt(problems, () => parseAudio(part, index, model));
        if (found) out.audioInputs.push(found);
        break;
      }
      case 'video': {
        kinds.add('video');
        const found = attempt(problems, () => parseFrameList(part, index, model));
        if (found) out.videos.push(found);
        break;
      }
      case 'video_url': {
        kinds.add('video');
        videoFiles++;
        const found = attempt(problems, () => parseVideoFile(part, index, model));
        if (found) out.videos.push(found);
        break;
      }
      default:
        problems.push(invalidParameter(`messages[${index}]: unsupported content type ${JSON.stringify(part.type)}.`, 'messages'));
    }
  }
  if (kinds.size > 1) {
    problems.push(
      invalidParameter(
        `messages[${index}] mixes ${[...kinds].join(' and ')}: a message can contain text and only one other modality (image, audio or video).`,
        'messages',
      ),
    );
  }
  if (audioItems > 1) problems.push(invalidParameter(`messages[${index}]: only one audio file can be input.`, 'messages'));
  if (videoFiles > 1) problems.push(invalidParameter(`messages[${index}]: only one video file can be input.`, 'messages'));
}

function parseMessages(raw: unknown, model: FakeModel | undefined, problems: ApiError[]): { messages: RecordedMessage[] } & Collected {
  const out: Collected = { audioInputs: [], images: [], videos: [], texts: [], systemTexts: [] };
  const messages: RecordedMessage[] = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(invalidParameter('messages must be a non-empty list.', 'messages'));
    return { messages, ...out };
  }
  raw.forEach((message: unknown, index) => {
    if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      problems.push(invalidParameter(`messages[${index}] must have a role of system, user, assistant or tool.`, 'messages'));
      return;
    }
    const role = message.role;
    const content = message.content;
    messages.push({ role, content });
    if (typeof content === 'string') (role === 'system' ? out.systemTexts : out.texts).push(content);
    else if (Array.isArray(content)) parseContent(content, role, index, model, out, problems);
    else if (!(role === 'assistant' && content === null)) {
      problems.push(invalidParameter(`messages[${index}].content must be a string or a list.`, 'messages'));
    }
  });
  return { messages, ...out };
}

/** Parses the body; `error` is the first rejection the real service would give, if any. */
export function parseRequest(body: unknown): { request: ParsedRequest; error: ApiError | undefined } {
  const problems: ApiError[] = [];
  const fields = isRecord(body) ? body : {};
  if (!isRecord(body)) problems.push(invalidParameter('The request body must be a JSON object.'));

  const model = typeof fields.model === 'string' ? fields.model : undefined;
  const fakeModel = model === undefined ? undefined : findFakeModel(model);
  if (model === undefined) problems.push(invalidParameter('Required parameter "model" is missing.', 'model'));
  else if (!fakeModel) {
    problems.push(new ApiError(404, 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`));
  }
  if (fields.stream !== true) problems.push(invalidParameter(STREAM_ONLY_MESSAGE, 'stream'));

  const rawModalities = fields.modalities ?? ['text'];
  const modalities = Array.isArray(rawModalities) ? rawModalities.filter((m): m is string => typeof m === 'string') : [];
  const audioOutput = modalities.includes('audio');
  const validModalities =
    Array.isArray(rawModalities) &&
    modalities.length === rawModalities.length &&
    modalities.includes('text') &&
    modalities.every((m) => m === 'text' || m === 'audio') &&
    new Set(modalities).size === modalities.length;
  if (!validModalities) {
    problems.push(invalidParameter(`modalities must be ["text"] or ["text","audio"]; got ${JSON.stringify(rawModalities)}.`, 'modalities'));
  }

  const thinking = fields.enable_thinking;
  if (thinking !== undefined && typeof thinking !== 'boolean') problems.push(invalidParameter('enable_thinking must be a boolean.', 'enable_thinking'));
  const enableThinking = thinking === true;
  if (enableThinking && fakeModel && !fakeModel.canThink) {
    problems.push(invalidParameter(`The model ${fakeModel.id} does not support enable_thinking.`, 'enable_thinking'));
  }
  if (enableThinking && (audioOutput || fields.audio !== undefined)) {
    problems.push(
      invalidParameter('Audio output is not supported in thinking mode: set modalities to ["text"] and drop the audio parameter.', 'enable_thinking'),
    );
  }

  const audio = fields.audio;
  let voice: string | undefined;
  if (audio !== undefined) {
    if (!isRecord(audio)) problems.push(invalidParameter('audio must be an object.', 'audio'));
    else {
      voice = typeof audio.voice === 'string' ? audio.voice : undefined;
      if (audio.format !== undefined && audio.format !== 'wav') {
        problems.push(invalidParameter(`audio.format can only be "wav"; got ${JSON.stringify(audio.format)}.`, 'audio.format'));
      }
      if (voice !== undefined && fakeModel && !fakeModel.voices.includes(voice)) {
        problems.push(
          invalidParameter(`The voice "${voice}" is not supported by ${fakeModel.id}. Supported voices: ${fakeModel.voices.join(', ')}.`, 'audio.voice'),
        );
      }
    }
  }

  const streamOptions = fields.stream_options;
  const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;

  const parsed = parseMessages(fields.messages, fakeModel, problems);
  if (audioOutput && fakeModel && !fakeModel.systemWithAudio && parsed.messages.some((m) => m.role === 'system')) {
    problems.push(invalidParameter(`${fakeModel.id} does not support a system message when the output modalities include audio.`, 'messages'));
  }

  const systemText = parsed.systemTexts.length > 0 ? parsed.systemTexts.join('\n') : undefined;
  const promptChars = [...parsed.systemTexts, ...parsed.texts].reduce((sum, text) => sum + text.length, 0);
  return {
    request: {
      model,
      fakeModel,
      messages: parsed.messages,
      modalities,
      audioOutput,
      voice,
      enableThinking,
      includeUsage,
      audioInputs: parsed.audioInputs,
      images: parsed.images,
      videos: parsed.videos,
      texts: parsed.texts,
      systemText,
      promptChars,
    },
    error: problems[0],
  };
}

/**
 * Turns files people post into what the model takes: still images (one or several), one video file, an image
 * sequence as a video, or one audio file decoded to 16 kHz mono WAV. Every refusal is one sentence naming the
 * file and the reason, so a person knows what to fix; nothing here trusts a file's name or declared type.
 */
import { InvalidInputError } from '../errors.ts';
import { MODEL_INPUT_SAMPLE_RATE } from '../audio/pipelines.ts';
import { encodeWav } from '../audio/wav.ts';
import type { OmniModel } from '../omni/catalogue.ts';
import type { ImageInput, MediaInput } from '../omni/media.ts';
import { validateMedia } from '../omni/validate.ts';
import { decodeAudio } from './decodeAudio.ts';
import { isImageComplete } from './imageIntegrity.ts';
import { probeImage } from './probeImage.ts';
import { probeVideo } from './probeVideo.ts';
import { sniff, type SniffedFile } from './sniff.ts';

/** A downloaded attachment. */
export interface PostedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One file, read and checked. */
export type PreparedFile =
  | { readonly kind: 'image'; readonly name: string; readonly image: ImageInput }
  | { readonly kind: 'video'; readonly name: string; readonly media: Extract<MediaInput, { kind: 'video_file' }> }
  | { readonly kind: 'audio'; readonly name: string; readonly media: Extract<MediaInput, { kind: 'audio' }> };

/** Image decoders refuse pictures this large long before the model's limits matter (a "pixel bomb"). */
const MAX_IMAGE_PIXELS = 100_000_000;
const VIDEO_FORMATS = new Set(['mp4', 'mov', 'webm']);

/** The largest file worth downloading for `model`: anything larger cannot be sent inline anyway. */
export function maxAttachmentBytes(model: OmniModel): number {
  // Base64 makes a file 4/3 larger and the whole data URL must fit. Audio is re-encoded as WAV, which is
  // never smaller than the compressed file, so the same cap holds for it.
  return Math.floor((model.media.dataUrlMaxBytes * 3) / 4);
}

/** Reads one file; InvalidInputError with a sentence naming it when it cannot be used. */
export async function prepareFile(file: PostedFile, model: OmniModel): Promise<PreparedFile> {
  const { name, bytes } = file;
  if (bytes.byteLength === 0) throw new InvalidInputError(`${name} is empty (0 bytes).`);
  const type = sniff(bytes);
  if (!type) throw new InvalidInputError(`${name} is not a file type I know; I can look at images and videos and listen to audio files.`);
  switch (type.kind) {
    case 'image':
      return { kind: 'image', name, image: prepareImage(file, type.format, type.animated, model) };
    case 'video':
      return { kind: 'video', name, media: prepareVideo(file, type, model) };
    case 'audio': {
      const decoded = await decodeAudio(bytes, name);
      const media = { kind: 'audio', wav: encodeWav(decoded.samples, MODEL_INPUT_SAMPLE_RATE, 1), seconds: decoded.seconds } as const;
      validateMedia(media, model);
      return { kind: 'audio', name, media };
    }
    case 'other':
      throw new InvalidInputError(`${name} is ${type.label}; I can look at images and videos and listen to audio files.`);
  }
}

function prepareImage(file: PostedFile, format: string, animated: boolean, model: OmniModel): ImageInput {
  const { name, bytes } = file;
  if (animated) throw new InvalidInputError(`${name} is animated; I can only look at still images (post it as a video instead).`);
  if (format === 'heic' || format === 'avif') {
    throw new InvalidInputError(`${name} is ${format.toUpperCase()}, which the model cannot read; please send PNG, JPEG, WebP or GIF.`);
  }
  if (!isImageComplete(bytes, format as Parameters<typeof isImageComplete>[1])) {
    throw new InvalidInputError(`${name} is cut short or damaged (the upload may have failed); please send it again.`);
  }
  let image: ImageInput;
  try {
    image = probeImage(bytes);
  } catch {
    throw new InvalidInputError(`${name} is damaged: I cannot read its size.`);
  }
  if (image.width * image.height > MAX_IMAGE_PIXELS) {
    throw new InvalidInputError(`${name} is ${image.width}x${image.height} px, too large to look at; please send a smaller picture.`);
  }
  validateMedia({ kind: 'images', images: [image] }, model);
  return image;
}

function prepareVideo(file: PostedFile, type: SniffedFile, model: OmniModel): Extract<MediaInput, { kind: 'video_file' }> {
  const { name, bytes } = file;
  const { format, mime, label } = type;
  if (!VIDEO_FORMATS.has(format)) throw new InvalidInputError(`${name} is ${label}; I can watch MP4, MOV and WebM videos.`);
  const info = probeVideo(bytes, format as 'mp4' | 'mov' | 'webm', name);
  const media = {
    kind: 'video_file',
    bytes,
    mime,
    seconds: info.seconds,
    ...(info.width !== undefined && info.height !== undefined ? { width: info.width, height: info.height } : {}),
  } as const;
  try {
    validateMedia(media, model);
  } catch (error) {
    // The validator speaks of "The video"; with several files people need to know which one.
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.userMessage.replace(/^The video/, name));
    throw error;
  }
  return media;
}

/**
 * What one message's files become: the API takes text plus a single other modality, so images go together
 * (or as the frames of a video with `asSequence`), while a video or an audio file goes alone.
 */
export function combineFiles(files: readonly PreparedFile[], model: OmniModel, options: { asSequence?: boolean } = {}): MediaInput {
  if (files.length === 0) throw new InvalidInputError('There is no file to look at.');
  const images = files.flatMap((file) => (file.kind === 'image' ? [file.image] : []));
  if (images.length === files.length) {
    const media: MediaInput = options.asSequence ? { kind: 'image_sequence', frames: images } : { kind: 'images', images };
    validateMedia(media, model);
    return media;
  }
  if (options.asSequence) throw new InvalidInputError('A sequence is made of images only.');
  const single = files.length === 1 ? files[0] : undefined;
  if (single?.kind === 'video' || single?.kind === 'audio') return single.media;
  throw new InvalidInputError('Please send one video or one audio file at a time (several images together are fine).');
}

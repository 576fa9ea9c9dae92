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
import { maxAudioSeconds, validateMedia } from '../omni/validate.ts';
import { decodeAudio } from './decodeAudio.ts';
import { isImageComplete } from './imageIntegrity.ts';
import { FileRefusal, MediaFormatError, refusalFor } from './problems.ts';
import { probeImage } from './probeImage.ts';
import { probeVideo } from './probeVideo.ts';
import { sniff, type FileFormat, type SniffedFile } from './sniff.ts';

/** A downloaded attachment. */
export interface PostedFile {
  /** How to call it in sentences: the uploader's name, already made safe to echo. */
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
const VIDEO_FORMATS = new Set<FileFormat>(['mp4', 'mov', 'webm']);
/** Bytes per second of the WAV the model gets: 16 kHz, mono, 16-bit. */
const MODEL_WAV_BYTES_PER_SECOND = MODEL_INPUT_SAMPLE_RATE * 2;

/** What a file's extension promises, to say "a text file, not a PNG image" when the bytes disagree. */
const CLAIMED_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'a PNG image',
  jpg: 'a JPEG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  bmp: 'a BMP image',
  mp4: 'an MP4 video',
  mov: 'a MOV video',
  webm: 'a WebM video',
  mp3: 'an MP3 file',
  wav: 'a WAV file',
  ogg: 'an Ogg audio file',
};

/** The largest file worth downloading for `model`: anything larger cannot be sent inline anyway. */
export function maxAttachmentBytes(model: OmniModel): number {
  // Base64 makes a file 4/3 larger and the whole data URL must fit. Audio is re-encoded as WAV, which is
  // never smaller than the compressed file, so the same cap holds for it.
  return Math.floor((model.media.dataUrlMaxBytes * 3) / 4);
}

/** Reads one file; FileRefusal (an InvalidInputError naming it) when it cannot be used. */
export async function prepareFile(file: PostedFile, model: OmniModel): Promise<PreparedFile> {
  const { name } = file;
  try {
    return await readFile(file, model);
  } catch (error) {
    if (error instanceof MediaFormatError) throw refusalFor(name, error);
    // A model limit (validate.ts words those, naming the file).
    if (error instanceof InvalidInputError && !(error instanceof FileRefusal)) throw new FileRefusal(name, 'limit', error.userMessage);
    throw error;
  }
}

async function readFile(file: PostedFile, model: OmniModel): Promise<PreparedFile> {
  const { name, bytes } = file;
  if (bytes.byteLength === 0) throw new MediaFormatError({ reason: 'empty' });
  const type = sniff(bytes);
  if (!type) throw new MediaFormatError({ reason: 'unknown_type' });
  switch (type.kind) {
    case 'image':
      return { kind: 'image', name, image: prepareImage(file, type.format, type.animated, model) };
    case 'video':
      return { kind: 'video', name, media: prepareVideo(file, type, model) };
    case 'audio': {
      const decoded = await decodeAudio(bytes, { maxSeconds: maxAudioSeconds(model, MODEL_WAV_BYTES_PER_SECOND) });
      const media = { kind: 'audio', wav: encodeWav(decoded.samples, MODEL_INPUT_SAMPLE_RATE, 1), seconds: decoded.seconds } as const;
      validateMedia(media, model, { names: [name] });
      return { kind: 'audio', name, media };
    }
    case 'other': {
      const claimed = CLAIMED_BY_EXTENSION[extensionOf(name)];
      throw new MediaFormatError({ reason: 'not_media', label: type.label, ...(claimed && claimed !== type.label ? { claimed } : {}) });
    }
  }
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function prepareImage(file: PostedFile, format: FileFormat, animated: boolean, model: OmniModel): ImageInput {
  const { name, bytes } = file;
  if (animated) throw new MediaFormatError({ reason: 'animated' });
  if (format === 'heic' || format === 'avif') throw new MediaFormatError({ reason: 'unsupported_image', format });
  if (!isImageComplete(bytes, format)) throw new MediaFormatError({ reason: 'truncated' });
  const image = probeImage(bytes);
  if (image.width * image.height > MAX_IMAGE_PIXELS) throw new MediaFormatError({ reason: 'too_many_pixels', width: image.width, height: image.height });
  validateMedia({ kind: 'images', images: [image] }, model, { names: [name] });
  return image;
}

function prepareVideo(file: PostedFile, type: SniffedFile, model: OmniModel): Extract<MediaInput, { kind: 'video_file' }> {
  const { name, bytes } = file;
  const { format, mime, label } = type;
  if (!VIDEO_FORMATS.has(format)) throw new MediaFormatError({ reason: 'unsupported_video', label });
  const info = probeVideo(bytes, format as 'mp4' | 'mov' | 'webm');
  const media = {
    kind: 'video_file',
    bytes,
    mime,
    seconds: info.seconds,
    ...(info.width !== undefined && info.height !== undefined ? { width: info.width, height: info.height } : {}),
  } as const;
  validateMedia(media, model, { names: [name] });
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
    validateMedia(media, model, { names: files.map((file) => file.name) });
    return media;
  }
  if (options.asSequence) throw new InvalidInputError('A sequence is made of images only.');
  const single = files.length === 1 ? files[0] : undefined;
  if (single?.kind === 'video' || single?.kind === 'audio') return single.media;
  throw new InvalidInputError('Please send one video or one audio file at a time (several images together are fine).');
}

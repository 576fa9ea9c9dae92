/**
 * Checks media against the model's limits before anything is sent, so a person gets a one-line reason
 * instead of an opaque 400 from the service.
 */
import { InvalidInputError } from '../errors.ts';
import { megabytes } from '../units.ts';
import type { OmniModel } from './catalogue.ts';
import type { ImageInput, MediaInput } from './media.ts';

function duration(seconds: number): string {
  if (seconds < 180) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function checkImage(image: ImageInput, model: OmniModel, which: string): void {
  const limits = model.media;
  if (image.bytes.byteLength > limits.imageMaxBytes) {
    throw new InvalidInputError(`${which} is ${megabytes(image.bytes.byteLength)}; images can be at most ${megabytes(limits.imageMaxBytes)}.`);
  }
  if (image.width <= limits.imageMinSidePx || image.height <= limits.imageMinSidePx) {
    throw new InvalidInputError(`${which} is ${image.width}x${image.height} px; both sides must be larger than ${limits.imageMinSidePx} px.`);
  }
  const ratio = Math.max(image.width / image.height, image.height / image.width);
  if (ratio > limits.imageMaxAspectRatio) {
    throw new InvalidInputError(
      `${which} is too long and thin (${image.width}x${image.height} px); the aspect ratio can be at most ${limits.imageMaxAspectRatio}:1.`,
    );
  }
  checkDataUrlItem(image.bytes.byteLength, model, which);
}

function checkDataUrlItem(bytes: number, model: OmniModel, which: string): void {
  // Base64 grows the payload by 4/3 and the whole data URL must fit the per-item cap.
  const encoded = Math.ceil(bytes / 3) * 4;
  if (encoded > model.media.dataUrlMaxBytes) {
    throw new InvalidInputError(`${which} is ${megabytes(bytes)}; files sent inline can be at most about ${megabytes((model.media.dataUrlMaxBytes * 3) / 4)}.`);
  }
}

/**
 * The longest audio `model` takes when sent as WAV at `bytesPerSecond`: its duration limit, or what fits its
 * size limits (the inline data-URL cap is usually the tighter one: about 4 min of 16 kHz mono).
 */
export function maxAudioSeconds(model: OmniModel, bytesPerSecond: number): number {
  const maxWavBytes = Math.min(model.media.audioMaxBytes, Math.floor((model.media.dataUrlMaxBytes * 3) / 4));
  return Math.min(model.media.audioMaxSeconds, Math.floor((maxWavBytes - WAV_HEADER_BYTES) / bytesPerSecond));
}

const WAV_HEADER_BYTES = 44;

export interface ValidateOptions {
  /** What to call each file in a refusal (already safe to echo), in the media's order; defaults to "The image", "Image 2"… */
  readonly names?: readonly string[];
}

/** Throws InvalidInputError with a sentence a Discord user can read when the media breaks a limit. */
export function validateMedia(media: MediaInput, model: OmniModel, options: ValidateOptions = {}): void {
  const limits = model.media;
  const named = (index: number, fallback: string): string => options.names?.[index] ?? fallback;
  switch (media.kind) {
    case 'images': {
      if (media.images.length === 0) throw new InvalidInputError('There is no image to look at.');
      for (const [index, image] of media.images.entries()) {
        checkImage(image, model, named(index, media.images.length === 1 ? 'The image' : `Image ${index + 1}`));
      }
      return;
    }
    case 'image_sequence': {
      const count = media.frames.length;
      if (count < limits.videoMinFrames || count > limits.videoMaxFrames) {
        throw new InvalidInputError(
          `A picture sequence needs ${limits.videoMinFrames} to ${limits.videoMaxFrames} images on ${model.id}; this one has ${count}.`,
        );
      }
      for (const [index, frame] of media.frames.entries()) checkImage(frame, model, named(index, `Frame ${index + 1}`));
      return;
    }
    case 'audio': {
      const which = named(0, 'The audio');
      // Duration first: it is what the person knows about their recording (the WAV size is ours, not theirs).
      if (media.seconds > limits.audioMaxSeconds) {
        throw new InvalidInputError(`${which} is ${duration(media.seconds)} long; it can be at most ${duration(limits.audioMaxSeconds)}.`);
      }
      if (media.wav.byteLength > limits.audioMaxBytes) {
        throw new InvalidInputError(`${which} is ${megabytes(media.wav.byteLength)}; it can be at most ${megabytes(limits.audioMaxBytes)}.`);
      }
      if (media.seconds <= 0) throw new InvalidInputError(`${which} is empty.`);
      checkDataUrlItem(media.wav.byteLength, model, which);
      return;
    }
    case 'video_file': {
      const which = named(0, 'The video');
      if (media.bytes.byteLength > limits.videoMaxBytes) {
        throw new InvalidInputError(`${which} is ${megabytes(media.bytes.byteLength)}; it can be at most ${megabytes(limits.videoMaxBytes)}.`);
      }
      if (media.seconds > limits.videoMaxSeconds) {
        throw new InvalidInputError(`${which} is ${duration(media.seconds)} long; it can be at most ${duration(limits.videoMaxSeconds)}.`);
      }
      checkDataUrlItem(media.bytes.byteLength, model, which);
      return;
    }
  }
}

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

/** Throws InvalidInputError with a sentence a Discord user can read when the media breaks a limit. */
export function validateMedia(media: MediaInput, model: OmniModel): void {
  const limits = model.media;
  switch (media.kind) {
    case 'images': {
      if (media.images.length === 0) throw new InvalidInputError('There is no image to look at.');
      for (const [index, image] of media.images.entries()) checkImage(image, model, media.images.length === 1 ? 'The image' : `Image ${index + 1}`);
      return;
    }
    case 'image_sequence': {
      const count = media.frames.length;
      if (count < limits.videoMinFrames || count > limits.videoMaxFrames) {
        throw new InvalidInputError(
          `A picture sequence needs ${limits.videoMinFrames} to ${limits.videoMaxFrames} images on ${model.id}; this one has ${count}.`,
        );
      }
      for (const [index, frame] of media.frames.entries()) checkImage(frame, model, `Frame ${index + 1}`);
      return;
    }
    case 'audio': {
      if (media.wav.byteLength > limits.audioMaxBytes) {
        throw new InvalidInputError(`The audio is ${megabytes(media.wav.byteLength)}; it can be at most ${megabytes(limits.audioMaxBytes)}.`);
      }
      if (media.seconds > limits.audioMaxSeconds) {
        throw new InvalidInputError(`The audio is ${duration(media.seconds)} long; it can be at most ${duration(limits.audioMaxSeconds)}.`);
      }
      if (media.seconds <= 0) throw new InvalidInputError('The audio is empty.');
      checkDataUrlItem(media.wav.byteLength, model, 'The audio');
      return;
    }
    case 'video_file': {
      if (media.bytes.byteLength > limits.videoMaxBytes) {
        throw new InvalidInputError(`The video is ${megabytes(media.bytes.byteLength)}; it can be at most ${megabytes(limits.videoMaxBytes)}.`);
      }
      if (media.seconds > limits.videoMaxSeconds) {
        throw new InvalidInputError(`The video is ${duration(media.seconds)} long; it can be at most ${duration(limits.videoMaxSeconds)}.`);
      }
      checkDataUrlItem(media.bytes.byteLength, model, 'The video');
      return;
    }
  }
}

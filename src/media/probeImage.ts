/** Reads an image's real type and dimensions from its bytes (never from its file name). */
import { imageSize } from 'image-size';
import type { ImageInput } from '../omni/media.ts';
import { MediaFormatError } from './problems.ts';

/** Image types the model accepts, by the type image-size detects. */
const MIME_BY_TYPE: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  heif: 'image/heic',
};

/** The image with its MIME type and size; MediaFormatError when the bytes are not a supported image. */
export function probeImage(bytes: Uint8Array): ImageInput {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    throw new MediaFormatError({ reason: 'unreadable_size' }, 'not an image I can read (or it is damaged)');
  }
  const mime = size.type ? MIME_BY_TYPE[size.type] : undefined;
  if (!mime) throw new MediaFormatError({ reason: 'unsupported_image', format: size.type ?? 'unknown' }, `${size.type ?? 'unknown'} images are not supported`);
  // EXIF orientations 5-8 rotate by 90 degrees, so the model sees the sides swapped.
  const rotated = size.orientation !== undefined && size.orientation >= 5;
  return { bytes, mime, width: rotated ? size.height : size.width, height: rotated ? size.width : size.height };
}

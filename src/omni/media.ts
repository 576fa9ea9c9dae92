/** The media a user message can carry, already probed (sizes, durations) so it can be validated and costed. */

/** One still image with its decoded dimensions. */
export interface ImageInput {
  readonly bytes: Uint8Array;
  /** e.g. `image/png`, checked from the bytes, not the file name. */
  readonly mime: string;
  readonly width: number;
  readonly height: number;
}

/** At most one kind of media per user message: the API takes text plus a single other modality. */
export type MediaInput =
  /** Speech or any audio, as a WAV file (the bot sends 16 kHz mono). */
  | { readonly kind: 'audio'; readonly wav: Uint8Array; readonly seconds: number }
  /** One or several images in one message. */
  | { readonly kind: 'images'; readonly images: readonly ImageInput[] }
  /** A video file (mp4, mov, webm); the model also hears its sound track. */
  | {
      readonly kind: 'video_file';
      readonly bytes: Uint8Array;
      readonly mime: string;
      readonly seconds: number;
      readonly width?: number;
      readonly height?: number;
    }
  /** Images sent as the frames of a video. */
  | { readonly kind: 'image_sequence'; readonly frames: readonly ImageInput[] };

/** Encoded data URLs by payload: a voice turn's audio is sent again with the next few requests. */
const encodedDataUrls = new WeakMap<Uint8Array, { readonly mime: string; readonly url: string }>();

/** A `data:` URL for base64 media (the service rejects bare base64). */
export function toDataUrl(bytes: Uint8Array, mime: string): string {
  const cached = encodedDataUrls.get(bytes);
  if (cached?.mime === mime) return cached.url;
  const url = `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
  encodedDataUrls.set(bytes, { mime, url });
  return url;
}

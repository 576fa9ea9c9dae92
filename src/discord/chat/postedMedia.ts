/** Downloads the files of a message or command and turns them into one piece of model input. */
import { InvalidInputError } from '../../errors.ts';
import { downloadAttachment } from '../../media/download.ts';
import { combineFiles, maxAttachmentBytes, prepareFile } from '../../media/prepare.ts';
import type { MediaInput } from '../../omni/media.ts';
import type { BotServices } from '../command.ts';
import { megabytes } from '../../units.ts';

/** What the bot needs of a Discord attachment. */
export interface PostedAttachment {
  readonly name: string;
  readonly url: string;
  /** As Discord reports it: lets a file that is far too large be refused without downloading it. */
  readonly size: number;
}

/** A slow CDN should not hold an answer for long (ms). */
const DOWNLOAD_TIMEOUT_MS = 20_000;

export async function readPostedMedia(
  attachments: readonly PostedAttachment[],
  services: Pick<BotServices, 'model' | 'attachmentHosts'>,
  options: { asSequence?: boolean } = {},
): Promise<MediaInput> {
  const maxBytes = maxAttachmentBytes(services.model);
  const tooBig = attachments.find((file) => file.size > maxBytes);
  if (tooBig) throw new InvalidInputError(`${tooBig.name} is ${megabytes(tooBig.size)}; the most I can send to the model is ${megabytes(maxBytes)}.`);
  const files = await Promise.all(
    attachments.map(async (file) => {
      const bytes = await downloadAttachment(file.url, { maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, allowedHosts: services.attachmentHosts, name: file.name });
      return prepareFile({ name: file.name, bytes }, services.model);
    }),
  );
  return combineFiles(files, services.model, options);
}

/** What to ask when a person posts files without a question. */
export function defaultQuestion(media: MediaInput | undefined, from: string): string {
  switch (media?.kind) {
    case 'images':
      return media.images.length > 1 ? 'Describe these images.' : 'Describe this image.';
    case 'image_sequence':
      return 'These images are frames of one video, in order. Describe what happens.';
    case 'video_file':
      return 'Describe this video.';
    case 'audio':
      return `${from} sent this audio. If it is speech addressed to you, answer it; otherwise describe what you hear.`;
    default:
      return 'Hello!';
  }
}

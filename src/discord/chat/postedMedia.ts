/**
 * Downloads the files of a message or command and turns them into one piece of model input. Every file is
 * read, so a post with several bad files hears about all of them in one reply, not only the first.
 */
import { InvalidInputError } from '../../errors.ts';
import { downloadAttachment } from '../../media/download.ts';
import { combineFiles, maxAttachmentBytes, prepareFile, type PreparedFile } from '../../media/prepare.ts';
import { FileRefusal } from '../../media/problems.ts';
import type { MediaInput } from '../../omni/media.ts';
import type { BotServices } from '../command.ts';
import { megabytes } from '../../units.ts';
import { safeFileName } from './fileName.ts';

/** What the bot needs of a Discord attachment. */
export interface PostedAttachment {
  readonly name: string;
  readonly url: string;
  /** As Discord reports it: lets a file that is far too large be refused without downloading it. */
  readonly size: number;
}

/** The usable files as one model input, and why the others were left out. */
export interface PostedMedia {
  readonly media: MediaInput;
  /** One sentence per file left out, naming it. */
  readonly leftOut: readonly string[];
}

/** A slow CDN should not hold an answer for long (ms). */
const DOWNLOAD_TIMEOUT_MS = 20_000;

type Services = Pick<BotServices, 'model' | 'attachmentHosts'>;

/** Downloads and reads one attachment; a FileRefusal naming it when it cannot be used. */
async function readOne(file: PostedAttachment, services: Services): Promise<PreparedFile> {
  const name = safeFileName(file.name);
  const maxBytes = maxAttachmentBytes(services.model);
  if (file.size > maxBytes) {
    throw new FileRefusal(name, 'download', `${name} is ${megabytes(file.size)}; the most I can send to the model is ${megabytes(maxBytes)}.`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await downloadAttachment(file.url, { maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, allowedHosts: services.attachmentHosts, name });
  } catch (error) {
    if (error instanceof InvalidInputError) throw new FileRefusal(name, 'download', error.userMessage);
    throw error;
  }
  return prepareFile({ name, bytes }, services.model);
}

/** All of `refusals` in one reply: the sentence alone for one file, a list for several. */
function listRefusals(refusals: readonly FileRefusal[], total: number): string {
  if (refusals.length === 1) return refusals[0]!.userMessage;
  const head = refusals.length === total ? `I can't use any of these ${total} files:` : `I can't use ${refusals.length} of these ${total} files:`;
  return [head, ...refusals.map((refusal) => `- ${refusal.userMessage}`)].join('\n');
}

/** Reads every attachment (all at once, every outcome kept); an unexpected failure (a bug) is rethrown. */
async function readAll(attachments: readonly PostedAttachment[], services: Services): Promise<{ good: PreparedFile[]; refusals: FileRefusal[] }> {
  const results = await Promise.allSettled(attachments.map((file) => readOne(file, services)));
  const good: PreparedFile[] = [];
  const refusals: FileRefusal[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') good.push(result.value);
    else if (result.reason instanceof FileRefusal) refusals.push(result.reason);
    else throw result.reason;
  }
  return { good, refusals };
}

/**
 * Reads every attachment. When some cannot be used but the rest still make sense together, the rest are
 * returned with the reasons for the others; when none can, or the rest do not go together, one
 * InvalidInputError lists every file's problem.
 */
export async function readPostedFiles(
  attachments: readonly PostedAttachment[],
  services: Services,
  options: { asSequence?: boolean } = {},
): Promise<PostedMedia> {
  const { good, refusals } = await readAll(attachments, services);
  if (good.length === 0) throw new InvalidInputError(listRefusals(refusals, attachments.length));
  let media: MediaInput;
  try {
    media = combineFiles(good, services.model, options);
  } catch (error) {
    if (!(error instanceof InvalidInputError) || refusals.length === 0) throw error;
    throw new InvalidInputError(`${listRefusals(refusals, attachments.length)}\n${error.userMessage}`);
  }
  return { media, leftOut: refusals.map((refusal) => refusal.userMessage) };
}

/** Like readPostedFiles, but any file that cannot be used refuses the whole request (listing every problem). */
export async function readPostedMedia(
  attachments: readonly PostedAttachment[],
  services: Services,
  options: { asSequence?: boolean } = {},
): Promise<MediaInput> {
  const { good, refusals } = await readAll(attachments, services);
  if (refusals.length > 0) throw new InvalidInputError(listRefusals(refusals, attachments.length));
  return combineFiles(good, services.model, options);
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

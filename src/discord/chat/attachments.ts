/**
 * Downloads attachments people post, only from Discord's CDN (or the configured REST origin, for a proxy or
 * simulator), with the size cap enforced while streaming and a timeout; never follows redirects elsewhere.
 */
import { InvalidInputError } from '../../errors.ts';

const DISCORD_CDN_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);
/** A slow CDN should not hold a reply for long (ms). */
const DOWNLOAD_TIMEOUT_MS = 20_000;

export interface DownloadOptions {
  readonly maxBytes: number;
  /** Extra origins (e.g. `http://127.0.0.1:8080`) trusted like Discord's CDN. */
  readonly extraOrigins?: readonly string[];
  readonly timeoutMs?: number;
}

function trusted(url: URL, extraOrigins: readonly string[]): boolean {
  return (url.protocol === 'https:' && DISCORD_CDN_HOSTS.has(url.hostname)) || extraOrigins.includes(url.origin);
}

/** The attachment's bytes; InvalidInputError with a readable reason when it cannot or may not be fetched. */
export async function downloadAttachment(name: string, rawUrl: string, options: DownloadOptions): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new InvalidInputError(`I could not read the link of ${name}.`);
  }
  if (!trusted(url, options.extraOrigins ?? [])) throw new InvalidInputError('I only download attachments from Discord.');
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new InvalidInputError(timedOut ? `Downloading ${name} timed out.` : `I could not download ${name}.`);
  }
  if (!response.ok || !response.body) throw new InvalidInputError(`I could not download ${name} (HTTP ${response.status}).`);
  const tooBig = new InvalidInputError(`${name} is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MB, more than I can send to the model.`);
  if (Number(response.headers.get('content-length') ?? 0) > options.maxBytes) {
    await response.body.cancel();
    throw tooBig;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > options.maxBytes) throw tooBig;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Downloads an attachment someone posted: only from Discord's CDN (or hosts the caller trusts, such as a
 * local simulator), with the size cap enforced while the body streams in and one timeout for the whole
 * transfer. Redirects are followed by hand, and only to allowed hosts, so a link can never lead elsewhere.
 */
import { InvalidInputError } from '../errors.ts';
import { megabytes } from '../units.ts';

/** Where Discord serves attachments from. */
export const DISCORD_CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];

/** At most this many redirects between allowed hosts (the CDN's own media proxy hops once). */
const MAX_REDIRECTS = 3;

export interface DownloadOptions {
  /** Refuse the file once its body passes this many bytes. */
  readonly maxBytes: number;
  /** For the whole download: connecting, headers, redirects and body. */
  readonly timeoutMs: number;
  /**
   * Replaces the default list. A bare host name allows `https:` on that host; an origin such as
   * `http://127.0.0.1:8080` allows exactly that scheme, host and port (for a local simulator's CDN).
   */
  readonly allowedHosts?: readonly string[];
  /** How to name the file in messages; defaults to "That file". */
  readonly name?: string;
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

/** Whether `url` is on the allow-list (see DownloadOptions.allowedHosts). */
export function isAllowedUrl(url: URL, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) =>
    entry.includes('://') ? URL.canParse(entry) && new URL(entry).origin === url.origin : url.protocol === 'https:' && url.hostname === entry.toLowerCase(),
  );
}

/** The attachment's bytes; InvalidInputError with one readable sentence when it cannot or may not be fetched. */
export async function downloadAttachment(rawUrl: string, options: DownloadOptions): Promise<Uint8Array> {
  const name = options.name ?? 'That file';
  const allowedHosts = options.allowedHosts ?? DISCORD_CDN_HOSTS;
  const doFetch = options.fetch ?? globalThis.fetch;
  const notDiscord = new InvalidInputError('I only download attachments from Discord.');
  const tooBig = new InvalidInputError(`${name} is larger than ${megabytes(options.maxBytes)}, the most I can take.`);
  const timedOut = new InvalidInputError(options.name ? `Downloading ${name} timed out.` : 'The download timed out.');

  if (!URL.canParse(rawUrl)) throw notDiscord;
  let url = new URL(rawUrl);
  if (!isAllowedUrl(url, allowedHosts)) throw notDiscord;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Response | undefined;
    for (let hop = 0; ; hop++) {
      response = await doFetch(url.href, { redirect: 'manual', signal: controller.signal });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) break;
      await response.body?.cancel();
      if (hop === MAX_REDIRECTS || !URL.canParse(location, url.href)) throw new InvalidInputError(`I could not download ${name}.`);
      url = new URL(location, url.href);
      if (!isAllowedUrl(url, allowedHosts)) throw notDiscord;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new InvalidInputError(`I could not download ${name} (the server answered ${response.status}).`);
    }
    // Content-Length lets a too-large file be refused without reading it, but it may be absent or wrong,
    // so the streamed count below is what really enforces the cap.
    if (Number(response.headers.get('content-length') ?? 0) > options.maxBytes) {
      await response.body.cancel();
      throw tooBig;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > options.maxBytes) {
        controller.abort(); // stops the transfer; the rest is never read
        throw tooBig;
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    if (controller.signal.aborted) throw timedOut;
    throw new InvalidInputError(`I could not download ${name}.`);
  } finally {
    clearTimeout(timer);
  }
}

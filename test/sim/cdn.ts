/** The fake CDN: files users attach are stored here and served by the REST server under `/attachments/`. */
import { snowflake } from './ids.ts';

/** A file a simulated user attaches (to a message or as a slash-command attachment option). */
export interface SimFile {
  readonly name: string;
  readonly data: Uint8Array;
  /** MIME type; guessed from the extension when omitted. */
  readonly contentType?: string;
  /** Image / video size, as Discord reports it for media. */
  readonly width?: number;
  readonly height?: number;
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  txt: 'text/plain; charset=utf-8',
};

function guessType(name: string): string {
  return MIME_BY_EXTENSION[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

interface Stored {
  readonly data: Uint8Array;
  readonly contentType: string;
}

/** Stores attachment bytes and builds Discord attachment objects pointing at them. */
export class Cdn {
  private readonly files = new Map<string, Stored>();
  private readonly baseURL: () => string;

  constructor(baseURL: () => string) {
    this.baseURL = baseURL;
  }

  /** Stores a file and returns the attachment object Discord would send (with a signed-looking URL). */
  upload(channelId: string, file: SimFile): Record<string, unknown> {
    const id = snowflake();
    const contentType = file.contentType ?? guessType(file.name);
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(file.name)}`;
    this.files.set(path, { data: file.data, contentType });
    // Real CDN URLs expire: ex = expiry (hex seconds), is = issue time, hm = signature.
    const now = Math.floor(Date.now() / 1000);
    const query = `?ex=${(now + 86_400).toString(16)}&is=${now.toString(16)}&hm=${id}`;
    const url = `${this.baseURL()}${path}${query}`;
    return {
      id,
      filename: file.name,
      size: file.data.byteLength,
      url,
      proxy_url: url,
      content_type: contentType,
      ...(file.width !== undefined ? { width: file.width, height: file.height ?? null } : {}),
    };
  }

  /** The stored file at a URL path (query ignored). */
  download(path: string): Stored | undefined {
    return this.files.get(path);
  }
}

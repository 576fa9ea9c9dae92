/** `data:` URL items, as the service accepts them for media (`data:;base64,...` or `data:<mime>;base64,...`). */
import { ApiError, invalidParameter } from './apiError.ts';
import { DATA_URL_MAX_BYTES } from './models.ts';

/** A decoded data URL. */
export interface DataUrlItem {
  /** The declared type, possibly empty (`data:;base64,` is allowed). */
  readonly mime: string;
  readonly bytes: Buffer;
}

const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*),/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

/** Whether the value is a remote URL, which the fake records but does not fetch. */
export function isRemoteUrl(value: string): boolean {
  return /^https?:\/\//iu.test(value);
}

/**
 * Decodes a base64 data URL; throws the service's 400 when the value is bare base64, not base64 at all,
 * or larger than one item may be.
 */
export function decodeDataUrl(value: string, param: string): DataUrlItem {
  const head = DATA_URL.exec(value);
  if (!head) {
    throw invalidParameter(`${param} must be a URL or a data URL ("data:;base64,..."), not bare base64.`, param);
  }
  if (!(head[2] ?? '').split(';').includes('base64')) {
    throw invalidParameter(`${param}: only base64 data URLs are supported.`, param);
  }
  const payload = value.slice(head[0].length);
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw invalidParameter(`${param}: the data URL payload is not valid base64.`, param);
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.byteLength > DATA_URL_MAX_BYTES) {
    throw new ApiError(400, 'invalid_parameter_error', `Exceeded limit on max bytes per data-uri item : ${DATA_URL_MAX_BYTES}`, {
      param,
    });
  }
  return { mime: head[1] ?? '', bytes };
}

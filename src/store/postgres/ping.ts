/** One connection to DATABASE_URL and back, for `npm run doctor`: nothing is created or changed. */
import pg from 'pg';
import { StoreError } from '../StoreError.ts';
import { redactUrl, toStoreError } from './errors.ts';

export async function pingPostgres(url: string): Promise<{ ok: boolean; detail: string }> {
  const location = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {}); // a connection lost after the answer is not the check's concern
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { ok: true, detail: `PostgreSQL ${rows[0]?.server_version ?? '(unknown version)'} at ${location} answers` };
  } catch (error) {
    const mapped = toStoreError(error, location);
    return { ok: false, detail: mapped instanceof StoreError ? mapped.message : `${location}: ${String(error)}` };
  } finally {
    await client.end().catch(() => {});
  }
}

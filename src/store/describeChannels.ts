/** Channels a server set with /describe-channel: files posted there are described without a mention. */
import type { StatementSync } from 'node:sqlite';
import type { Connection } from './connection.ts';

/** A server may mark this many channels; more is almost certainly a mistake and each costs tokens. */
export const MAX_DESCRIBE_CHANNELS = 25;

export class DescribeChannels {
  readonly #conn: Connection;
  readonly #has: StatementSync;
  readonly #list: StatementSync;
  readonly #add: StatementSync;
  readonly #remove: StatementSync;

  constructor(conn: Connection) {
    this.#conn = conn;
    const db = conn.db;
    this.#has = db.prepare('SELECT 1 AS yes FROM describe_channels WHERE guild_id = ? AND channel_id = ?');
    this.#list = db.prepare('SELECT channel_id FROM describe_channels WHERE guild_id = ? ORDER BY channel_id');
    this.#add = db.prepare('INSERT OR IGNORE INTO describe_channels (guild_id, channel_id) VALUES (?, ?)');
    this.#remove = db.prepare('DELETE FROM describe_channels WHERE guild_id = ? AND channel_id = ?');
  }

  has(guildId: string, channelId: string): boolean {
    return this.#conn.run(() => this.#has.get(guildId, channelId) !== undefined);
  }

  list(guildId: string): string[] {
    return this.#conn.run(() => (this.#list.all(guildId) as Array<{ channel_id: string }>).map((row) => row.channel_id));
  }

  /** Marks or unmarks a channel; false when marking would pass MAX_DESCRIBE_CHANNELS (nothing written). */
  set(guildId: string, channelId: string, on: boolean): boolean {
    return this.#conn.transaction(() => {
      if (!on) {
        this.#remove.run(guildId, channelId);
        return true;
      }
      if (!this.has(guildId, channelId) && this.list(guildId).length >= MAX_DESCRIBE_CHANNELS) return false;
      this.#add.run(guildId, channelId);
      return true;
    });
  }
}

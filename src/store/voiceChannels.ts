/**
 * The voice channel the bot is in, per server, so a process that restarts (a deploy, a crash, a shard the
 * supervisor starts again) goes back to its conversations instead of leaving people talking to nobody.
 * Written on join and move, cleared when the bot leaves on purpose (/leave, nobody left, kicked).
 */
import type { StatementSync } from 'node:sqlite';
import type { Connection } from './connection.ts';

export interface VoiceChannelRecord {
  readonly guildId: string;
  readonly channelId: string;
}

export class VoiceChannels {
  readonly #conn: Connection;
  readonly #list: StatementSync;
  readonly #set: StatementSync;
  readonly #clear: StatementSync;

  constructor(conn: Connection) {
    this.#conn = conn;
    const db = conn.db;
    this.#list = db.prepare('SELECT guild_id, channel_id FROM voice_channels ORDER BY guild_id');
    this.#set = db.prepare(
      'INSERT INTO voice_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id',
    );
    this.#clear = db.prepare('DELETE FROM voice_channels WHERE guild_id = ?');
  }

  list(): VoiceChannelRecord[] {
    return this.#conn.run(() =>
      (this.#list.all() as Array<{ guild_id: string; channel_id: string }>).map((row) => ({ guildId: row.guild_id, channelId: row.channel_id })),
    );
  }

  /** The bot is in `channelId` in this server now; null: it left. */
  set(guildId: string, channelId: string | null): void {
    this.#conn.run(() => (channelId === null ? this.#clear.run(guildId) : this.#set.run(guildId, channelId)));
  }
}

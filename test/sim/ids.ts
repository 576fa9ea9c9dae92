/** Snowflake ids like Discord's: milliseconds since the Discord epoch in the top bits, then a counter. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A new, unique snowflake string (discord.js derives `createdAt` from it). */
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/**
 * A snowflake for the `index`th guild: its timestamp is a multiple of 1024 ms plus `index`, so for any shard
 * count that divides 1024 the guild lands on shard `index % count` (scenarios can place guilds on shards).
 */
export function guildSnowflake(index: number): string {
  increment = (increment + 1n) & 0xfffn;
  const ms = ((BigInt(Date.now()) - DISCORD_EPOCH) / 1024n) * 1024n + BigInt(index);
  return ((ms << 22n) | (1n << 17n) | increment).toString();
}

/** The gateway shard that receives a guild's events: (guild_id >> 22) % shardCount, as Discord routes them. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** A random token-like string (interaction tokens, voice tokens, session ids). */
export function randomToken(bytes = 24): string {
  const out = new Uint8Array(bytes);
  crypto.getRandomValues(out);
  return Buffer.from(out).toString('base64url');
}

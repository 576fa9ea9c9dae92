/** Snowflake ids like Discord's: milliseconds since the Discord epoch in the top bits, then a counter. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A new, unique snowflake string (discord.js derives `createdAt` from it). */
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/** A random token-like string (interaction tokens, voice tokens, session ids). */
export function randomToken(bytes = 24): string {
  const out = new Uint8Array(bytes);
  crypto.getRandomValues(out);
  return Buffer.from(out).toString('base64url');
}

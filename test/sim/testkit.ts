/** Helpers for tests that drive the real discord.js client against the simulator. */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Simulator } from './simulator.ts';
import { withTimeout } from './waiters.ts';

/** The intents the product bot uses (no privileged ones). */
export const BOT_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];

/** A discord.js client logged in to the simulator, resolved once `ready` fired (all GUILD_CREATEs in). */
export async function loginClient(sim: Simulator, intents = BOT_INTENTS): Promise<Client<true>> {
  const client = new Client({ intents, rest: { api: sim.restURL } });
  const ready = once(client, Events.ClientReady);
  await client.login(sim.botToken);
  await withTimeout(ready, 5_000, 'discord.js ready');
  return client as Client<true>;
}

/** Resolves with the first emission of `event` whose arguments pass `filter`, failing after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  timeoutMs = 5_000,
  filter: (...args: T) => boolean = () => true,
): Promise<T> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const seen = new Promise<T>((resolve) => {
    listener = (...args: unknown[]) => {
      if (filter(...(args as T))) resolve(args as T);
    };
    emitter.on(event, listener);
  });
  return withTimeout(seen, timeoutMs, `event ${event}`).finally(() => emitter.off(event, listener!));
}

// Heartbeats on both sockets, with short intervals so several happen in a test: the gateway acks op 1
// with op 11, the voice server acks op 3 `{t, seq_ack}` with op 6 `{t}`, and neither client gives up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { entersState, joinVoiceChannel, VoiceConnectionStatus } from '@discordjs/voice';
import type { VoiceConnection } from '@discordjs/voice';
import { Events } from 'discord.js';
import type { Client } from 'discord.js';
import { startSimulator } from './sim/simulator.ts';
import type { Simulator } from './sim/simulator.ts';
import { loginClient } from './sim/testkit.ts';
import { withTimeout } from './sim/waiters.ts';

let sim: Simulator;
let client: Client<true>;
let connection: VoiceConnection | undefined;

before(async () => {
  sim = await startSimulator({ heartbeatMs: { gateway: 100, voice: 100 } });
  client = await loginClient(sim);
});

after(async () => {
  connection?.destroy();
  await client?.destroy();
  await sim?.close();
});

/** Resolves after `count` emissions of `event` whose message matches `pattern`. */
function countMessages(emitter: NodeJS.EventEmitter, event: string, pattern: RegExp, count: number): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      let seen = 0;
      const listener = (message: string): void => {
        if (!pattern.test(message) || ++seen < count) return;
        emitter.off(event, listener);
        resolve();
      };
      emitter.on(event, listener);
    }),
    5_000,
    `${count} × ${pattern}`,
  );
}

test('gateway heartbeats are acknowledged and carry the last sequence', async () => {
  await countMessages(client, Events.Debug, /Heartbeat acknowledged/, 3);
  assert.equal(sim.gateway.current?.lastHeartbeat, sim.gateway.current?.seq);
});

test('voice heartbeats {t, seq_ack} are acknowledged with {t}', async () => {
  const guild = client.guilds.cache.get(sim.guild().id)!;
  connection = joinVoiceChannel({
    guildId: guild.id,
    channelId: sim.channelId('General'),
    adapterCreator: guild.voiceAdapterCreator,
    selfDeaf: false,
    debug: true,
  });
  await entersState(connection, VoiceConnectionStatus.Ready, 5_000);
  await countMessages(connection, 'debug', /<< \{"op":6,/, 3);
  assert.equal(connection.state.status, VoiceConnectionStatus.Ready);
  const beat = sim.voice.sessions.get(sim.guild().id)?.lastHeartbeat;
  assert.equal(typeof beat?.t, 'number');
  assert.ok(Number(beat?.seq_ack) >= 2, 'seq_ack acknowledges the server messages (Ready, Session Description, ...)');
});

// The simulator's voice gateway is real TLS with a committed test CA: a child process trusts it only
// through NODE_EXTRA_CA_CERTS (a bundle keeping any CAs already configured), and verification stays on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startSimulator } from './sim/simulator.ts';
import type { Simulator } from './sim/simulator.ts';
import { envTrustingSimCA, SIM_TLS } from './sim/tls.ts';

const run = promisify(execFile);
let sim: Simulator;

before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

/** A child that opens the voice gateway with `ws` (as @discordjs/voice does) and prints the first message. */
async function dialVoiceFromChild(env: NodeJS.ProcessEnv): Promise<string> {
  const script = `
    const { WebSocket } = require('ws');
    const ws = new WebSocket('wss://${sim.voice.endpoint}?v=8');
    ws.on('message', (data) => { console.log(String(data)); ws.close(); });
    ws.on('error', (error) => { console.log('error: ' + (error.code ?? error.message)); process.exit(0); });
  `;
  const { stdout } = await run(process.execPath, ['-e', script], { env, cwd: process.cwd(), timeout: 10_000 });
  return stdout.trim();
}

test('a child process trusts the voice server through a NODE_EXTRA_CA_CERTS bundle', async () => {
  const env = await envTrustingSimCA();
  const bundle = await readFile(env.NODE_EXTRA_CA_CERTS!, 'utf8');
  assert.ok(bundle.includes(SIM_TLS.ca.trim()), 'the bundle holds the test CA');
  if (process.env.NODE_EXTRA_CA_CERTS) assert.ok(bundle.length > SIM_TLS.ca.length, 'the CAs already configured are kept');
  const hello = JSON.parse(await dialVoiceFromChild(env)) as { op: number; d: { heartbeat_interval: number } };
  assert.equal(hello.op, 8, 'voice Hello');
});

test('without the test CA the certificate is rejected (verification is on)', async () => {
  const { NODE_EXTRA_CA_CERTS: _dropped, ...env } = process.env;
  assert.match(await dialVoiceFromChild(env), /^error: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
});

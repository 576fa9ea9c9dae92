/**
 * TLS for the fake voice server (@discordjs/voice always dials wss://): the committed test-only CA and
 * server certificate (SAN IP:127.0.0.1), trusted in-process or through NODE_EXTRA_CA_CERTS in children.
 * Verification stays on: nothing here disables certificate checks.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

const FIXTURES = new URL('../fixtures/sim/', import.meta.url);

/** The voice server's key and certificate, and the CA that signed it (PEM). */
export const SIM_TLS = {
  key: readFileSync(new URL('server.key', FIXTURES), 'utf8'),
  cert: readFileSync(new URL('server.pem', FIXTURES), 'utf8'),
  ca: readFileSync(new URL('ca.pem', FIXTURES), 'utf8'),
} as const;

/** Path of the test CA certificate. */
export const SIM_CA_PATH = new URL('ca.pem', FIXTURES).pathname;

let trusted = false;

/** Adds the test CA to this process's default trust store (Node >= 22.19), once. */
export function trustSimCA(): void {
  if (trusted) return;
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), SIM_TLS.ca]);
  trusted = true;
}

/**
 * Environment for a child Node process that trusts the test CA. NODE_EXTRA_CA_CERTS is read once at
 * start and takes one file, and may already point at a system bundle: write a bundle holding both.
 */
export async function envTrustingSimCA(env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const existing = env.NODE_EXTRA_CA_CERTS ? await readFile(env.NODE_EXTRA_CA_CERTS, 'utf8').catch(() => '') : '';
  const bundle = join(await mkdtemp(join(tmpdir(), 'discord-sim-ca-')), 'bundle.pem');
  await writeFile(bundle, `${existing.trimEnd()}\n${SIM_TLS.ca}`);
  return { ...env, NODE_EXTRA_CA_CERTS: bundle };
}

/**
 * A real PostgreSQL server for the tests, from Debian's `postgresql` package (scripts/ensure-postgres.sh
 * installs it in CI): a throwaway cluster in a temp dir, listening on a free port of 127.0.0.1 and on a
 * Unix socket in that dir, stopped and deleted when the test file ends. The server refuses to run as root,
 * so as root the cluster belongs to `nobody` and the binaries run through `runuser`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** A connection URL for a fresh, empty database of its own. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: connections are cut, as when a database host goes away). */
  stop(): void;
  /** Starts it again on the same port. */
  start(): void;
  /** Stops it and deletes the cluster. */
  close(): void;
  /** The superuser URL of the `postgres` database. */
  readonly adminUrl: string;
  /** The superuser's password (TCP logins need it; the socket trusts). */
  readonly password: string;
  readonly port: number;
}

const PASSWORD = 'pg-test-secret';

/** Where the server binaries are, or undefined when PostgreSQL is not installed. */
export function postgresBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can. In CI a missing server is a failure
 * (`.ci/run` installs it), so the caller should not skip there.
 */
export function postgresUnavailable(): string | undefined {
  if (postgresBin()) return undefined;
  return 'PostgreSQL is not installed (run scripts/ensure-postgres.sh, or apt-get install postgresql): PostgreSQL store tests skipped';
}

/** `{ skip }` for node:test when there is no server and we are not in CI (where it must be there). */
export function skipWithoutPostgres(): { skip?: string } {
  const reason = postgresUnavailable();
  if (reason && process.env.CI !== 'true') {
    process.stderr.write(`${reason}\n`);
    return { skip: reason };
  }
  return {};
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a fresh cluster; throws with the server's own words when it cannot. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresUnavailable());
  const asRoot = process.getuid?.() === 0;
  // As root the cluster belongs to `nobody`, who must be able to reach it: /tmp, whatever TMPDIR says.
  const dir = fs.mkdtempSync(path.join(asRoot ? '/tmp' : os.tmpdir(), 'omni-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (asRoot) execFileSync('chown', ['nobody', dir]);
  const run = (tool: string, args: string[]): void => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const fullArgs = asRoot ? ['-u', 'nobody', '--', path.join(bin, tool), ...args] : args;
    const result = spawnSync(command, fullArgs, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) {
      const serverLog = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}\n${serverLog}`);
    }
  };
  // --no-sync and fsync=off: a test cluster need not survive a power cut, and fsyncs are slow on shared disks.
  // Logins over TCP need the password, so a wrong one is refused as on a real server.
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, PASSWORD);
  if (asRoot) execFileSync('chown', ['nobody', pwfile]);
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = (): void => run('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
  const stop = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  start();
  let running = true;
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  let next = 0;
  return {
    adminUrl,
    password: PASSWORD,
    port,
    async createDatabase() {
      const name = `test_${process.pid}_${next++}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${name}`;
    },
    stop() {
      if (!running) return;
      stop();
      running = false;
    },
    start() {
      if (running) return;
      start();
      running = true;
    },
    close() {
      try {
        if (running) stop();
      } finally {
        running = false;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

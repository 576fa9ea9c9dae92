/**
 * The optional native Opus module (@discordjs/opus) for the cost comparison. It is never installed into the
 * project: the bench builds it into bench/.native (gitignored) from the npm registry, compiling libopus
 * against the headers of the Node 22 runtime the project runs on, and measures it in a child process whose
 * NODE_PATH points there (src/audio/opus.ts then picks it, exactly as it would if it were installed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const NATIVE_DIR = join(ROOT, 'bench/.native');
const VERSION = '^0.10.0';

export type NativeStatus =
  | { readonly available: true; readonly nodePath: string | undefined; readonly where: string }
  | { readonly available: false; readonly reason: string };

function loads(from: string): boolean {
  try {
    const opus = createRequire(from)('@discordjs/opus') as { OpusEncoder: new (rate: number, channels: number) => { encode(pcm: Buffer): Buffer } };
    return new opus.OpusEncoder(48_000, 2).encode(Buffer.alloc(3840)).length > 0;
  } catch {
    return false;
  }
}

/** Whether @discordjs/opus loads, from the project itself or from bench/.native. */
export function nativeOpusStatus(): NativeStatus {
  if (loads(join(ROOT, 'package.json'))) return { available: true, nodePath: undefined, where: 'installed in the project' };
  if (existsSync(join(NATIVE_DIR, 'node_modules/@discordjs/opus')) && loads(join(NATIVE_DIR, 'package.json'))) {
    return { available: true, nodePath: join(NATIVE_DIR, 'node_modules'), where: 'bench/.native' };
  }
  const log = join(NATIVE_DIR, 'build.log');
  return {
    available: false,
    reason: existsSync(log)
      ? `@discordjs/opus did not build for Node ${process.versions.node} (see bench/.native/build.log)`
      : '@discordjs/opus is not installed',
  };
}

/** Headers of the running Node (the `node` npm package ships them), so node-gyp needs no download. */
function nodeHeadersDir(): string | undefined {
  const candidates = [dirname(dirname(process.execPath))];
  const bundled = join(ROOT, 'node_modules/node/node_modules');
  if (existsSync(bundled)) for (const name of readdirSync(bundled)) if (name.startsWith('node-')) candidates.push(join(bundled, name));
  return candidates.find((dir) => existsSync(join(dir, 'include/node/node_api.h')));
}

/** Installs and compiles @discordjs/opus into bench/.native (about a minute on 2 cores); returns the new status. */
export async function buildNativeOpus(log: (line: string) => void, timeoutMs = 6 * 60_000): Promise<NativeStatus> {
  mkdirSync(NATIVE_DIR, { recursive: true });
  writeFileSync(
    join(NATIVE_DIR, 'package.json'),
    JSON.stringify({ name: 'bench-native-opus', private: true, allowScripts: { '@discordjs/opus': true } }, null, 1),
  );
  const headers = nodeHeadersDir();
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  if (headers) env.npm_config_nodedir = headers;
  log(`native Opus: building @discordjs/opus${VERSION} into bench/.native (Node ${process.versions.node} headers: ${headers ?? 'none found'})`);
  const logPath = join(NATIVE_DIR, 'build.log');
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', `@discordjs/opus@${VERSION}`], {
      cwd: NATIVE_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => resolve(error.message));
    child.on('close', (exit, signal) => {
      clearTimeout(timer);
      writeFileSync(logPath, Buffer.concat(chunks));
      resolve(exit ?? `killed by ${signal}`);
    });
  });
  const status = nativeOpusStatus();
  if (!status.available) {
    const tail = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((line) => /err|fail/i.test(line))
      .slice(-3)
      .join(' | ');
    return { available: false, reason: `npm install @discordjs/opus failed (${code}): ${tail.slice(0, 300) || 'see bench/.native/build.log'}` };
  }
  return status;
}

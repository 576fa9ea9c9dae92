/**
 * `npm run doctor`: a checklist of everything the bot needs (runtime, settings, audio/crypto/DAVE libraries,
 * the model key and region, the Discord token) and the invite link. Exits 1 when anything fails.
 */
import { REST, Routes, type APIApplication, type APIUser } from 'discord.js';
import { generateDependencyReport } from '@discordjs/voice';
import dotenv from 'dotenv';
import { accessSync, constants, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, REGION_BASE_URLS, type Config } from '../config/config.ts';
import { ConfigError, BotError } from '../errors.ts';
import { opusBackend } from '../audio/opus.ts';
import { inviteUrl } from '../discord/invite.ts';
import { OmniClient } from '../omni/client.ts';
import { pingPostgres } from '../store/postgres/ping.ts';
import { createLogger } from '../log.ts';
import { VoiceWorkerPool } from '../voiceWorker/VoiceWorkerPool.ts';

type Status = 'ok' | 'warn' | 'fail';
const MARK: Record<Status, string> = { ok: '[ok]  ', warn: '[warn]', fail: '[FAIL]' };
let failures = 0;

function report(status: Status, what: string, detail = ''): void {
  if (status === 'fail') failures++;
  process.stdout.write(`${MARK[status]} ${what}${detail ? `: ${detail}` : ''}\n`);
}

/** A secret is shown only as present or absent, never by value. */
function secret(value: string | undefined): string {
  return value ? `set (${value.length} characters)` : 'not set';
}

function checkRuntime(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 22 || (major === 22 && minor >= 12);
  report(ok ? 'ok' : 'fail', `Node ${process.versions.node}`, ok ? '' : 'the bot needs Node >= 22.12 (npm install provides it; run through npm scripts)');
}

function checkLibraries(): void {
  const deps = generateDependencyReport();
  const found = (name: string): boolean => new RegExp(`- ${name.replace(/[/@.]/g, '\\$&')}: (?!not found)`).test(deps);
  report('ok', 'Opus', `${opusBackend()}${found('@discordjs/opus') ? '' : ' (WASM; @discordjs/opus is optional and faster)'}`);
  const aes = /aes-256-gcm: yes/.test(deps);
  report(aes ? 'ok' : 'fail', 'Voice encryption', aes ? 'native aes-256-gcm' : 'no aes-256-gcm in this Node build');
  report(
    found('@snazzah/davey') ? 'ok' : 'fail',
    'DAVE end-to-end encryption',
    found('@snazzah/davey') ? '@snazzah/davey' : '@snazzah/davey is missing: run npm install',
  );
}

async function checkModel(config: Config): Promise<void> {
  const omni = config.omni;
  if (!omni) return report('fail', 'Qwen-Omni', 'DASHSCOPE_API_KEY is not set');
  const client = new OmniClient({ apiKey: omni.apiKey, baseURL: omni.baseURL, maxAttempts: 1, firstByteTimeoutMs: 15_000 });
  const started = performance.now();
  try {
    for await (const event of client.stream({ model: omni.model, turns: [{ role: 'user', text: 'Reply with the word OK.' }], maxOutputTokens: 8 })) {
      if (event.type === 'text') break;
    }
    report('ok', 'Qwen-Omni answers', `${omni.model.id} at ${omni.baseURL}, first text after ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    const why = error instanceof BotError ? error.userMessage : String(error);
    const regionHint = omni.baseURL === REGION_BASE_URLS[omni.region] ? ` (region ${omni.region}; keys work only in their own region)` : '';
    report('fail', 'Qwen-Omni answers', `${why}${regionHint}`);
  }
}

/** Starts one voice worker the way the bot does and checks that Opus and DAVE load inside it. */
async function checkVoiceWorkers(config: Config): Promise<void> {
  const { workers } = config.voice;
  if (workers === 0) return report('ok', 'Voice workers', 'off (VOICE_WORKERS=0): voice runs on the main thread');
  const { silenceMs, maxUtteranceMs, speculationMs, decryptionFailureTolerance, maxReplyMs, workerNice } = config.voice;
  const pool = new VoiceWorkerPool({
    size: 1,
    log: createLogger('silent'),
    settings: { logLevel: 'silent', silenceMs, maxUtteranceMs, speculationMs, decryptionFailureTolerance, maxReplyMs, nice: workerNice },
  });
  try {
    const [loaded] = await pool.start();
    const ok = loaded!.dave;
    report(
      ok ? 'ok' : 'fail',
      'Voice workers',
      `${workers} (VOICE_WORKERS); a worker started with Opus ${loaded!.opus}${ok ? ' and DAVE' : ' but without DAVE (@snazzah/davey)'}, at ${loaded!.priority}`,
    );
  } catch (error) {
    report('fail', 'Voice workers', `a voice worker did not start: ${(error as Error).message}`);
  } finally {
    await pool.close();
  }
}

async function checkDiscord(config: Config): Promise<void> {
  const discord = config.discord;
  if (!discord) return report('fail', 'Discord token', 'DISCORD_TOKEN is not set');
  const rest = new REST(discord.apiUrl ? { api: discord.apiUrl } : {}).setToken(discord.token);
  try {
    const user = (await rest.get(Routes.user())) as APIUser;
    const application = (await rest.get(Routes.currentApplication())) as APIApplication;
    report('ok', 'Discord token', `logged in as ${user.username} (application ${application.id})`);
    report('ok', 'Invite link', inviteUrl(application.id));
  } catch (error) {
    const status = (error as { status?: number }).status;
    report(
      'fail',
      'Discord token',
      status === 401 ? 'Discord rejected DISCORD_TOKEN: reset it in the Developer Portal > Bot' : `could not reach Discord (${(error as Error).message})`,
    );
  }
}

/**
 * The bot keeps its database in DATA_DIR: prove it can write there by creating and removing a file (in the
 * nearest existing parent when the folder does not exist yet; the bot creates it on start).
 */
function checkDataDirectory(dataDir: string): void {
  const folder = resolve(dataDir);
  let existing = folder;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    if (!statSync(existing).isDirectory()) throw new Error(`${existing} is a file, not a folder`);
    const probe = join(existing, `.doctor-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    const database = join(folder, 'bot.sqlite');
    if (existsSync(database)) accessSync(database, constants.R_OK | constants.W_OK);
    report('ok', 'Data directory', existing === folder ? `${folder} (writable)` : `${folder} (will be created; ${existing} is writable)`);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EPERM' ? 'permission denied' : (error as Error).message;
    report('fail', 'Data directory', `cannot write in ${folder} (${reason}): make it a folder this user can write to, or set DATA_DIR`);
  }
}

function partialConfig(): Config | undefined {
  try {
    return loadConfig(process.env, { discord: false, omni: false });
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  process.stdout.write('Qwen-Omni Discord voice bot: doctor\n');
  checkRuntime();
  let config: Config | undefined;
  try {
    config = loadConfig(process.env, { discord: true, omni: true });
    report(
      'ok',
      'Settings',
      `model ${config.omni?.model.id}, default voice ${config.omni?.defaultVoice}, region ${config.omni?.region}, base URL ${config.omni?.baseURL}`,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) report('fail', 'Setting', problem);
    // Check what can be checked without the missing values.
    config = partialConfig();
  }
  report('ok', 'Secrets', `DISCORD_TOKEN ${secret(process.env.DISCORD_TOKEN)}, DASHSCOPE_API_KEY ${secret(process.env.DASHSCOPE_API_KEY)}`);
  if (config?.databaseUrl) {
    const answer = await pingPostgres(config.databaseUrl);
    report(answer.ok ? 'ok' : 'fail', 'Database', answer.detail);
  } else if (config) checkDataDirectory(config.dataDir);
  checkLibraries();
  if (config) await checkVoiceWorkers(config);
  if (config) {
    await checkModel(config);
    await checkDiscord(config);
  }
  process.stdout.write(failures === 0 ? 'All checks passed.\n' : `${failures} check(s) failed.\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();

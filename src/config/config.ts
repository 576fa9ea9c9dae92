/**
 * The bot's settings, read once from the environment (and `.env`), validated, and frozen into a typed
 * object. Every problem is reported at once, each with where to get the value; secrets are never echoed.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MODEL_ID, MODELS, findModel, findVoice, type OmniModel } from '../omni/catalogue.ts';
import { parseShardIds, type ShardSettings } from '../sharding/shardPlan.ts';

/** DashScope's OpenAI-compatible endpoints per region; keys only work in the region that issued them. */
export const REGION_BASE_URLS = {
  intl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  cn: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
} as const;
export type Region = keyof typeof REGION_BASE_URLS;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DiscordSettings {
  readonly token: string;
  /** REST base such as `http://127.0.0.1:8080/api`; undefined means Discord's own. */
  readonly apiUrl: string | undefined;
  /** Register commands in this guild only (instant) instead of globally (can take up to an hour). */
  readonly devGuildId: string | undefined;
  /** The privileged Message Content intent: needed only to describe files in /describe-channel channels. */
  readonly messageContent: boolean;
}

export interface OmniSettings {
  readonly apiKey: string;
  readonly region: Region;
  readonly baseURL: string;
  readonly model: OmniModel;
  readonly defaultVoice: string;
}

/** How conversations in voice channels behave; every value has a default. */
export interface VoiceSettings {
  /** End of turn after this much silence (ms). */
  readonly silenceMs: number;
  /** A speculative request goes out after this much silence (ms); 0: never (see session/Speculation.ts). */
  readonly speculationMs: number;
  /** Reply audio held before playback starts, against network jitter (ms). */
  readonly jitterBufferMs: number;
  /** A turn longer than this is sent as it is (ms). */
  readonly maxUtteranceMs: number;
  /** Leave when no human has been in the channel this long (ms). */
  readonly idleLeaveMs: number;
  /** DAVE decrypt failures tolerated before re-keying. */
  readonly decryptionFailureTolerance: number;
  /** Default per-user daily token cap (0 = none); servers may override. */
  readonly dailyTokenCap: number;
  /** Default per-user pause between requests (ms); servers may override. */
  readonly userCooldownMs: number;
  /** A turn's request -> the model's first audio (ms), one retry included; then it is given up. */
  readonly firstAudioTimeoutMs: number;
  /** A spoken reply is ended cleanly after this long (ms). */
  readonly maxReplyMs: number;
  /** Voice worker threads holding the guilds' voice connections (0: all voice on the main thread). */
  readonly workers: number;
  /** The voice workers' nice value: below 0 the kernel runs them before the bot's other threads and other programs. */
  readonly workerNice: number;
}

export interface Config {
  readonly discord: DiscordSettings | undefined;
  readonly omni: OmniSettings | undefined;
  readonly voice: VoiceSettings;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  /** Port of the /metrics and /healthz endpoint (plus the shard id when sharded); undefined = none. */
  readonly metricsPort: number | undefined;
  /** Gateway sharding across processes; undefined = one process, no shards (the default). */
  readonly sharding: ShardSettings | undefined;
  /** PostgreSQL instead of the SQLite file in dataDir, for several processes or machines; a secret (may hold a password). */
  readonly databaseUrl: string | undefined;
}

/** Which groups of settings the caller cannot run without. */
export interface Needs {
  readonly discord: boolean;
  readonly omni: boolean;
}

const WHERE = {
  DISCORD_TOKEN: 'Discord Developer Portal > your application > Bot > Reset Token (https://discord.com/developers/applications)',
  DASHSCOPE_API_KEY: 'Alibaba Cloud Model Studio > API Keys (https://modelstudio.console.alibabacloud.com/); a key works only in the region that issued it',
} as const;

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .optional()
  .transform((value) => (value ? value : undefined));

/** A whole number in [min, max] from the environment, with a default and a readable message. */
function integer(name: string, fallback: number, min: number, max: number, unit: string) {
  return optionalText.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    const problem = !Number.isFinite(number)
      ? `${name} must be a number of ${unit}.`
      : !Number.isInteger(number)
        ? `${name} must be a whole number of ${unit}.`
        : number < min
          ? `${name} must be at least ${min} ${unit}.`
          : number > max
            ? `${name} must be at most ${max} ${unit}.`
            : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return number;
  });
}

/**
 * The silence window and the speculation threshold, chosen with `npm run bench` (README, Performance): a
 * speculative request sent after SPECULATION_MS of quiet hides the model's first-byte time behind the rest of
 * the window, so the window can be long enough not to cut people off mid-sentence without answering later.
 */
const DEFAULT_SILENCE_MS = 900;
const DEFAULT_SPECULATION_MS = 450;

const envSchema = z.object({
  DISCORD_TOKEN: optionalText.refine((token) => token === undefined || /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token), {
    message: `DISCORD_TOKEN does not look like a bot token (three dot-separated parts, no "Bot " prefix). Copy it again from the ${WHERE.DISCORD_TOKEN}.`,
  }),
  DISCORD_API_URL: optionalText.refine((url) => url === undefined || /^https?:\/\/[^\s]+$/.test(url), {
    message: 'DISCORD_API_URL must be an http(s) URL such as https://discord.com/api (leave it unset for Discord itself).',
  }),
  DISCORD_DEV_GUILD_ID: optionalText.refine((id) => id === undefined || /^\d{17,20}$/.test(id), {
    message: 'DISCORD_DEV_GUILD_ID must be a server id (17 to 20 digits; right-click the server > Copy Server ID).',
  }),
  DISCORD_MESSAGE_CONTENT: optionalText.pipe(z.enum(['on', 'off'], { message: 'DISCORD_MESSAGE_CONTENT must be "on" or "off".' }).optional()),
  DASHSCOPE_API_KEY: optionalText,
  DASHSCOPE_REGION: optionalText.pipe(z.enum(['intl', 'cn'], { message: 'DASHSCOPE_REGION must be "intl" (Singapore) or "cn" (Beijing).' }).optional()),
  DASHSCOPE_BASE_URL: optionalText.refine((url) => url === undefined || /^https?:\/\/[^\s]+$/.test(url), {
    message: 'DASHSCOPE_BASE_URL must be an http(s) URL ending in /compatible-mode/v1.',
  }),
  OMNI_MODEL: optionalText,
  DEFAULT_VOICE: optionalText,
  LOG_LEVEL: optionalText.pipe(z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.` }).optional()),
  DATA_DIR: optionalText,
  DATABASE_URL: optionalText.refine((url) => url === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(url), {
    message: 'DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/dbname (leave it unset for the embedded SQLite file).',
  }),
  SILENCE_MS: integer('SILENCE_MS', DEFAULT_SILENCE_MS, 200, 3000, 'milliseconds'),
  SPECULATION_MS: z.preprocess(
    (value) => (typeof value === 'string' && value.trim().toLowerCase() === 'off' ? '0' : value),
    integer('SPECULATION_MS', DEFAULT_SPECULATION_MS, 0, 3000, 'milliseconds (or off)'),
  ),
  JITTER_BUFFER_MS: integer('JITTER_BUFFER_MS', 100, 0, 1000, 'milliseconds'),
  MAX_UTTERANCE_SECONDS: integer('MAX_UTTERANCE_SECONDS', 60, 5, 600, 'seconds'),
  IDLE_LEAVE_SECONDS: integer('IDLE_LEAVE_SECONDS', 120, 1, 86_400, 'seconds'),
  DECRYPTION_FAILURE_TOLERANCE: integer('DECRYPTION_FAILURE_TOLERANCE', 36, 1, 10_000, 'packets'),
  DAILY_TOKEN_CAP: integer('DAILY_TOKEN_CAP', 200_000, 0, 1_000_000_000, 'tokens'),
  USER_COOLDOWN_SECONDS: integer('USER_COOLDOWN_SECONDS', 0, 0, 3600, 'seconds'),
  // The service's first audio takes well under a second; past 8 s people give up waiting.
  FIRST_AUDIO_TIMEOUT_MS: integer('FIRST_AUDIO_TIMEOUT_MS', 8000, 1000, 120_000, 'milliseconds'),
  MAX_REPLY_SECONDS: integer('MAX_REPLY_SECONDS', 90, 5, 3600, 'seconds'),
  METRICS_PORT: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const port = Number(value);
    if (Number.isInteger(port) && port >= 0 && port <= 65_535) return port;
    ctx.addIssue({ code: 'custom', message: 'METRICS_PORT must be a port number (0 to 65535; 0 picks a free one).' });
    return undefined;
  }),
  SHARD_COUNT: optionalText.transform((value, ctx) => {
    if (value === undefined || value === 'auto') return value;
    const count = Number(value);
    if (Number.isInteger(count) && count >= 1 && count <= 100_000) return count;
    ctx.addIssue({ code: 'custom', message: 'SHARD_COUNT must be "auto" (Discord\'s recommendation) or a whole number of shards (1 or more).' });
    return undefined;
  }),
  SHARD_IDS: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const ids = parseShardIds(value);
    if (!ids) ctx.addIssue({ code: 'custom', message: 'SHARD_IDS must list shard ids and ranges, such as "0-3" or "0,2,4-5".' });
    return ids;
  }),
  VOICE_WORKERS: integer('VOICE_WORKERS', availableParallelism(), 0, 64, 'worker threads'),
  VOICE_WORKER_NICE: integer('VOICE_WORKER_NICE', -10, -20, 19, 'nice levels'),
});

/** Reads and validates settings; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv, needs: Needs): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  const text = (name: string): string | undefined => env[name]?.trim() || undefined;

  if (needs.discord && !text('DISCORD_TOKEN')) problems.push(`DISCORD_TOKEN is missing. Get it from the ${WHERE.DISCORD_TOKEN}.`);
  if (needs.omni && !text('DASHSCOPE_API_KEY')) problems.push(`DASHSCOPE_API_KEY is missing. Get it from ${WHERE.DASHSCOPE_API_KEY}.`);

  const modelId = text('OMNI_MODEL') ?? DEFAULT_MODEL_ID;
  const model = findModel(modelId);
  if (!model) problems.push(`OMNI_MODEL "${modelId}" is not a known model. Use one of: ${Object.keys(MODELS).join(', ')}.`);

  const voiceName = text('DEFAULT_VOICE') ?? model?.defaultVoice ?? 'Cherry';
  const voice = model ? findVoice(model, voiceName) : undefined;
  if (model && !voice) {
    problems.push(`DEFAULT_VOICE "${voiceName}" is not a voice of ${model.id}. Use one of: ${model.voices.map((v) => v.name).join(', ')}.`);
  }
  if (parsed.success && parsed.data.SHARD_IDS && !parsed.data.SHARD_COUNT)
    problems.push('SHARD_IDS needs SHARD_COUNT (the total number of shards across all machines, or "auto").');
  if (parsed.success && parsed.data.SPECULATION_MS >= parsed.data.SILENCE_MS) {
    problems.push(`SPECULATION_MS (${parsed.data.SPECULATION_MS}) must be shorter than SILENCE_MS (${parsed.data.SILENCE_MS}), or "off".`);
  }
  if (problems.length > 0 || !parsed.success || !model || !voice) throw new ConfigError(problems);
  const vars = parsed.data;

  const region: Region = vars.DASHSCOPE_REGION ?? 'intl';
  return Object.freeze({
    discord: vars.DISCORD_TOKEN
      ? Object.freeze({
          token: vars.DISCORD_TOKEN,
          apiUrl: vars.DISCORD_API_URL,
          devGuildId: vars.DISCORD_DEV_GUILD_ID,
          messageContent: vars.DISCORD_MESSAGE_CONTENT === 'on',
        })
      : undefined,
    omni: vars.DASHSCOPE_API_KEY
      ? Object.freeze({
          apiKey: vars.DASHSCOPE_API_KEY,
          region,
          baseURL: (vars.DASHSCOPE_BASE_URL ?? REGION_BASE_URLS[region]).replace(/\/+$/, ''),
          model,
          defaultVoice: voice.name,
        })
      : undefined,
    voice: Object.freeze({
      silenceMs: vars.SILENCE_MS,
      speculationMs: vars.SPECULATION_MS,
      jitterBufferMs: vars.JITTER_BUFFER_MS,
      maxUtteranceMs: vars.MAX_UTTERANCE_SECONDS * 1000,
      idleLeaveMs: vars.IDLE_LEAVE_SECONDS * 1000,
      decryptionFailureTolerance: vars.DECRYPTION_FAILURE_TOLERANCE,
      dailyTokenCap: vars.DAILY_TOKEN_CAP,
      userCooldownMs: vars.USER_COOLDOWN_SECONDS * 1000,
      firstAudioTimeoutMs: vars.FIRST_AUDIO_TIMEOUT_MS,
      maxReplyMs: vars.MAX_REPLY_SECONDS * 1000,
      workers: vars.VOICE_WORKERS,
      workerNice: vars.VOICE_WORKER_NICE,
    }),
    logLevel: vars.LOG_LEVEL ?? 'info',
    dataDir: vars.DATA_DIR ?? './data',
    metricsPort: vars.METRICS_PORT,
    sharding: vars.SHARD_COUNT === undefined ? undefined : Object.freeze({ count: vars.SHARD_COUNT, ids: vars.SHARD_IDS }),
    databaseUrl: vars.DATABASE_URL,
  });
}

/** The problems as one short message for a terminal, ready to print. */
export function describeConfigProblems(error: ConfigError): string {
  const lines = error.problems.map((problem) => `  - ${problem}`);
  const noun = error.problems.length === 1 ? 'setting needs' : 'settings need';
  return [`${error.problems.length} ${noun} attention (set them in .env or the environment; see .env.example):`, ...lines].join('\n');
}

/**
 * A fake Qwen-Omni service (DashScope's OpenAI-compatible chat completions) on 127.0.0.1, for tests and
 * local runs: it checks requests the way the real service does, records them, and streams scripted replies
 * in the real wire format.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncQueue } from '../../sim/waiters.ts';
import { ApiError, errorBody, invalidParameter } from './apiError.ts';
import type { FakeModel } from './models.ts';
import { parseRequest } from './parseRequest.ts';
import type { ParsedRequest } from './parseRequest.ts';
import { streamReply } from './sseStream.ts';
import { sineTone } from './tone.ts';
import type { RecordedAudio, RecordedRequest, ScriptedFailure, ScriptedReply } from './types.ts';
import { computeUsage } from './usage.ts';

export type * from './types.ts';

/** Options of {@link startFakeOmni}. */
export interface FakeOmniOptions {
  /** The only key accepted as `Authorization: Bearer <key>`; default `test-key`. */
  readonly apiKey?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Bytes of PCM per audio chunk; default 3840 (80 ms). Odd sizes make chunks end mid-sample. */
  readonly audioChunkBytes?: number;
  /** Send each audio chunk at its playback time; default true. */
  readonly realtime?: boolean;
  /** Largest request body accepted; default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** Called with each request once it is recorded, before it is answered. */
  readonly onRequest?: (request: RecordedRequest) => void;
}

/** A running fake service. */
export interface FakeOmni {
  /** `http://127.0.0.1:PORT/compatible-mode/v1`, for the SDK's `baseURL`. */
  readonly baseURL: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** The next request not yet returned by this method, waiting up to `timeoutMs` for it to arrive. */
  nextRequest(timeoutMs?: number): Promise<RecordedRequest>;
  /** Queues how to answer the next valid request (field by field over the default reply). */
  script(reply: ScriptedReply): void;
  /** Replaces the reply given to unscripted requests. */
  setDefaultReply(reply: ScriptedReply): void;
  /** Decides the reply from the request itself (before the script queue), e.g. by voice; undefined falls through. */
  setReplyRule(
    rule:
      | ((request: {
          readonly voice: string | undefined;
          readonly texts: readonly string[];
          readonly audioInputs: readonly RecordedAudio[];
        }) => ScriptedReply | undefined)
      | undefined,
  ): void;
  /** Stops listening and cuts open connections. */
  close(): Promise<void>;
}

const API_PATH = '/compatible-mode/v1/chat/completions';
const DEFAULT_REPLY: ScriptedReply = {
  text: 'Hello! This is the fake Qwen-Omni speaking.',
  audio: { toneHz: 440, seconds: 1 },
  reasoning: 'The user said something; a short friendly answer will do.',
};

const FAILURES = {
  limit_requests: 'Requests rate limit exceeded, please try again later.',
  insufficient_quota: 'You exceeded your current quota, please check your plan and billing details.',
  limit_burst_rate:
    'Request rate increased too quickly. To ensure system stability, please adjust your client logic to scale requests more smoothly over time.',
  Arrearage: 'Access denied, please make sure your account is in good standing.',
  data_inspection_failed: 'Input data may contain inappropriate content.',
} as const;

function scriptedError(fail: ScriptedFailure): ApiError {
  if (fail.status === 500) {
    return new ApiError(500, 'internal_error', 'An internal error has occured, please try again later or contact service support.', {
      type: 'internal_error',
    });
  }
  const extra = fail.status === 429 && fail.retryAfterSeconds !== undefined ? { retryAfterSeconds: fail.retryAfterSeconds } : {};
  return new ApiError(fail.status, fail.code, FAILURES[fail.code], { type: fail.code, ...extra });
}

function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  res.writeHead(error.status, headers).end(JSON.stringify(errorBody(error, requestId)));
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = name === 'authorization' ? '<redacted>' : [value].flat().join(', ');
  }
  return headers;
}

/** What a request that never reached parsing (wrong path or key, bad JSON) records: empty fields. */
const UNPARSED: ParsedRequest = parseRequest(undefined).request;

/** The recorded view of a parsed request (the fake's own working fields left out). */
function recordedFields(parsed: ParsedRequest) {
  const { model, messages, modalities, voice, enableThinking, includeUsage, audioInputs, images, videos, texts, systemText } = parsed;
  return { model, messages, modalities, voice, enableThinking, includeUsage, audioInputs, images, videos, texts, systemText };
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeOmni(options: FakeOmniOptions = {}): Promise<FakeOmni> {
  const apiKey = options.apiKey ?? 'test-key';
  const audioChunkBytes = options.audioChunkBytes ?? 3840;
  const realtime = options.realtime ?? true;
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  if (!Number.isInteger(audioChunkBytes) || audioChunkBytes < 1) throw new RangeError('audioChunkBytes must be a positive integer');

  const requests: RecordedRequest[] = [];
  const unconsumed = new AsyncQueue<RecordedRequest>();
  const scripts: ScriptedReply[] = [];
  let defaultReply = DEFAULT_REPLY;
  let replyRule:
    | ((request: {
        readonly voice: string | undefined;
        readonly texts: readonly string[];
        readonly audioInputs: readonly RecordedAudio[];
      }) => ScriptedReply | undefined)
    | undefined;
  let closing = false;

  function record(request: RecordedRequest): void {
    requests.push(request);
    unconsumed.push(request);
    options.onRequest?.(request);
  }

  async function stream(
    res: ServerResponse,
    parsed: ParsedRequest,
    model: FakeModel,
    reply: ScriptedReply,
    requestId: string,
    signal: AbortSignal,
    onDrop: () => void,
    onFirstAudio: (at: number) => void,
    onAudioChunk: (at: number) => void,
  ) {
    const text = reply.text ?? '';
    const reasoning = parsed.enableThinking ? (reply.reasoning ?? '') : '';
    const audio = !parsed.audioOutput || reply.audio === undefined ? undefined : reply.audio instanceof Int16Array ? reply.audio : sineTone(reply.audio);
    const usage = parsed.includeUsage ? computeUsage(parsed, model, { text, reasoning, audioSamples: audio?.length ?? 0 }) : undefined;
    return streamReply(
      res,
      {
        model: model.id,
        requestId,
        text,
        reasoning,
        audio,
        audioChunkBytes,
        realtime,
        usage,
        textField: parsed.audioOutput && model.textWithAudio === 'transcript' ? 'transcript' : 'content',
        chunkIntervalMs: reply.chunkIntervalMs,
        finishReason: reply.finishReason ?? 'stop',
        midStreamError: reply.midStreamError,
        dropAfterChunks: reply.dropAfterChunks,
        stallAfterChunks: reply.stallAfterChunks,
        malformedAfterChunks: reply.malformedAfterChunks,
        onDrop,
        onFirstAudio,
        onAudioChunk,
      },
      signal,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    const clientGone = new AbortController();
    let endedByFake = false;
    let reportFirstAudio: (at: number | undefined) => void = () => {};
    const firstAudioAt = new Promise<number | undefined>((resolve) => {
      reportFirstAudio = resolve;
    });
    res.once('close', () => reportFirstAudio(undefined));
    const aborted = new Promise<boolean>((resolve) => {
      res.once('close', () => {
        const early = !res.writableFinished;
        if (early) clientGone.abort();
        resolve(early && !endedByFake && !closing);
      });
    });

    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        // Past the limit the body is still read (so the client sees the answer) but not kept.
        if (size <= maxBodyBytes) chunks.push(chunk);
      }
    } catch {
      return; // the client went away while sending
    }
    const bodyReceivedAt = performance.now();
    const audioChunksSentAt: number[] = [];

    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    let body: unknown;
    let parsed = UNPARSED;
    let error: ApiError | undefined;
    if (req.method !== 'POST' || path !== API_PATH) {
      error = new ApiError(404, 'not_found', `No endpoint ${req.method ?? ''} ${path}; the fake serves POST ${API_PATH}.`);
    } else if (req.headers.authorization !== `Bearer ${apiKey}`) {
      error = new ApiError(401, 'invalid_api_key', 'Incorrect API key provided. ');
    } else if (size > maxBodyBytes) {
      error = invalidParameter(`The request body is ${size} bytes; at most ${maxBodyBytes} are accepted.`);
    } else {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        error = invalidParameter('The request body is not valid JSON.');
      }
      if (!error) ({ request: parsed, error } = parseRequest(body));
    }
    const reply: ScriptedReply = error ? {} : { ...defaultReply, ...(replyRule?.(parsed) ?? scripts.shift()) };
    if (!error && reply.fail) error = scriptedError(reply.fail);

    record({
      ...recordedFields(parsed),
      method: req.method ?? '',
      path,
      headers: recordHeaders(req),
      body,
      status: error?.status ?? 200,
      errorCode: error?.code,
      aborted,
      firstAudioAt,
      receivedAt,
      bodyReceivedAt,
      audioChunksSentAt,
    });

    if (reply.firstByteDelayMs) {
      try {
        await sleep(reply.firstByteDelayMs, undefined, { signal: clientGone.signal });
      } catch {
        return;
      }
    }
    if (reply.holdUntil) await reply.holdUntil.catch(() => {});
    // A request without a known model always has an error; the check narrows the type.
    if (error || !parsed.fakeModel) {
      sendError(res, error ?? new ApiError(500, 'internal_error', 'fake-omni: no model'), requestId);
      return;
    }
    await stream(
      res,
      parsed,
      parsed.fakeModel,
      reply,
      requestId,
      clientGone.signal,
      () => {
        endedByFake = true;
      },
      reportFirstAudio,
      (at) => audioChunksSentAt.push(at),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A client that hung up mid-reply (a barge-in, an overloaded bot's timeout) is not the fake's failure.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || code === 'EPIPE') return void res.destroy();
      console.error('fake-omni: request handler failed', error);
      if (!res.headersSent) sendError(res, new ApiError(500, 'internal_error', `fake-omni bug: ${String(error)}`), 'fake');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseURL: `http://127.0.0.1:${port}/compatible-mode/v1`,
    port,
    requests,
    nextRequest(timeoutMs = 15_000) {
      return unconsumed.next(timeoutMs, 'a request to the fake model');
    },
    script(reply) {
      scripts.push(reply);
    },
    setDefaultReply(reply) {
      defaultReply = reply;
    },
    setReplyRule(rule) {
      replyRule = rule;
    },
    close() {
      closing = true;
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

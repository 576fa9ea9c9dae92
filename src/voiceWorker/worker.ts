/**
 * A voice worker's entry: holds the voice connections of the guilds the main thread assigns to it, each a
 * GuildVoice joined through an adapter whose gateway side is the main thread (see protocol.ts). Every message
 * from the main thread is handled here; nothing in this thread sees discord.js.
 */
import { setDefaultCACertificates } from 'node:tls';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { replyPacketCounts } from '../discord/voice/replyResource.ts';
import { generateDependencyReport, type DiscordGatewayAdapterCreator, type DiscordGatewayAdapterLibraryMethods } from '@discordjs/voice';
import { opusBackend } from '../audio/opus.ts';
import { GuildVoice } from '../discord/voice/GuildVoice.ts';
import { BotError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { OmniClient } from '../omni/client.ts';
import type { PlaybackHandle } from '../playback/VoiceOutput.ts';
import { createSpeechDetector, type DetectorSettings } from '../receive/detector.ts';
import { ModelStreams } from './ModelStreams.ts';
import { epochNow, transferableSamples, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.ts';
import { setThisThreadNice } from './threadPriority.ts';

if (!parentPort) throw new Error('src/voiceWorker/worker.ts runs only as a worker thread');
const port = parentPort;
const settings = workerData as WorkerSettings;
setDefaultCACertificates(settings.caCertificates);
const log = createLogger(settings.logLevel).child({ worker: settings.workerId });
// First, before any connection: a busy machine then runs this thread's 20 ms packet clock ahead of other work.
const priority = settings.nice === 0 ? { applied: true as const, nice: 0 } : setThisThreadNice(settings.nice);
const priorityText = priority.applied ? `nice ${priority.nice}` : `nice 0 (could not set ${settings.nice}: ${priority.reason})`;
if (!priority.applied) log.info({ nice: settings.nice, reason: priority.reason }, 'voice worker runs at normal priority');
const detectorSettings: DetectorSettings = { silenceMs: settings.silenceMs, maxUtteranceMs: settings.maxUtteranceMs };

interface GuildEntry {
  voice: GuildVoice | undefined;
  /** The library's side of the adapter, fed with the gateway events main forwards. */
  adapter: DiscordGatewayAdapterLibraryMethods | undefined;
  readonly ignored: Set<string>;
}

const guilds = new Map<string, GuildEntry>();
const replies = new Map<number, PlaybackHandle>();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

const modelStreams = settings.model ? new ModelStreams({ client: new OmniClient(settings.model), post, maxReplyMs: settings.maxReplyMs }) : undefined;

/** @discordjs/voice's adapter contract, its gateway side being the main thread. */
function adapterFor(guildId: string, entry: GuildEntry): DiscordGatewayAdapterCreator {
  return (methods) => {
    entry.adapter = methods;
    return {
      sendPayload: (payload) => {
        post({ type: 'gateway-send', guildId, payload });
        return true;
      },
      destroy: () => {
        if (entry.adapter === methods) entry.adapter = undefined;
        post({ type: 'adapter-destroyed', guildId });
      },
    };
  };
}

async function join(message: Extract<ToWorker, { type: 'join' }>): Promise<void> {
  const { guildId, channelId } = message;
  const entry: GuildEntry = { voice: undefined, adapter: undefined, ignored: new Set(message.ignoredUsers) };
  guilds.set(guildId, entry);
  const guildLog = log.child({ guild: guildId });
  try {
    entry.voice = await GuildVoice.join({
      guildId,
      channelId,
      adapterCreator: adapterFor(guildId, entry),
      botUserId: message.botUserId,
      ignores: (userId) => entry.ignored.has(userId),
      log: guildLog,
      createDetector: () => createSpeechDetector(detectorSettings),
      decryptionFailureTolerance: settings.decryptionFailureTolerance,
      speculationMs: settings.speculationMs,
      now: epochNow,
      listener: {
        onSpeechStart: (userId) => post({ type: 'speech-start', guildId, userId }),
        onUtterance: (speech) => {
          const pcm = transferableSamples(speech.samples);
          post({ type: 'utterance', guildId, userId: speech.speakerId, pcm, endedAt: speech.endedAtMs }, [pcm]);
        },
        onTentativeEnd: (speech) => {
          const pcm = transferableSamples(speech.samples);
          post({ type: 'tentative-end', guildId, userId: speech.speakerId, pcm, endedAt: speech.endedAtMs }, [pcm]);
        },
        onResumed: (userId) => post({ type: 'resumed', guildId, userId }),
        onGone: (reason) => {
          if (guilds.get(guildId) === entry) guilds.delete(guildId);
          post({ type: 'gone', guildId, reason });
        },
      },
    });
    post({ type: 'joined', guildId });
  } catch (error) {
    if (guilds.get(guildId) === entry) guilds.delete(guildId);
    const userMessage = error instanceof BotError ? error.userMessage : "I couldn't connect to the voice channel.";
    post({ type: 'join-failed', guildId, message: error instanceof Error ? error.message : String(error), userMessage });
  }
}

function startReply(message: Extract<ToWorker, { type: 'reply-start' }>): void {
  const voice = guilds.get(message.guildId)?.voice;
  if (!voice) {
    post({ type: 'reply-finished', replyId: message.replyId, playedMs: 0 });
    return;
  }
  const reply = voice.startReply({ jitterMs: message.jitterMs });
  replies.set(message.replyId, reply);
  void reply.finished.then((playedMs) => {
    replies.delete(message.replyId);
    modelStreams?.forget(message.replyId);
    post({ type: 'reply-finished', replyId: message.replyId, playedMs });
  });
}

/** Event-loop delay of this thread: a late loop is a late packet for every guild on it. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function threadStats(): { packetsSent: number; packetsStarved: number; loopDelayP99Ms: number } {
  const p99 = Math.max(0, loopDelay.percentile(99) / 1e6 - 10);
  loopDelay.reset();
  return { packetsSent: replyPacketCounts.sent, packetsStarved: replyPacketCounts.starved, loopDelayP99Ms: p99 };
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case 'join':
      void join(message);
      return;
    case 'voice-server-update':
      guilds.get(message.guildId)?.adapter?.onVoiceServerUpdate(message.data as never);
      return;
    case 'voice-state-update':
      guilds.get(message.guildId)?.adapter?.onVoiceStateUpdate(message.data as never);
      return;
    case 'adapter-destroy':
      guilds.get(message.guildId)?.adapter?.destroy();
      return;
    case 'ignore-user':
      guilds.get(message.guildId)?.ignored.add(message.userId);
      return;
    case 'forget-user':
      guilds.get(message.guildId)?.voice?.forget(message.userId);
      return;
    case 'leave':
      guilds.get(message.guildId)?.voice?.leave();
      return;
    case 'reply-start':
      startReply(message);
      return;
    case 'reply-audio': {
      const reply = replies.get(message.replyId);
      const pcm = new Int16Array(message.pcm);
      if (reply && message.from && modelStreams) modelStreams.offer(message.replyId, reply, pcm, message.from);
      else reply?.push(pcm);
      return;
    }
    case 'reply-end':
      if (!modelStreams?.end(message.replyId, message.until)) replies.get(message.replyId)?.end();
      return;
    case 'reply-stop':
      replies.get(message.replyId)?.stop();
      return;
    case 'model-stream':
      modelStreams?.start(message.streamId, message.body, message.maxAttempts);
      return;
    case 'model-abort':
      modelStreams?.abort(message.streamId);
      return;
    case 'stats-request':
      post({ type: 'stats', ...threadStats() });
      return;
  }
}

port.on('message', (message: ToWorker) => {
  try {
    handle(message);
  } catch (error) {
    // One guild's bad moment must not end the worker's other guilds.
    log.error({ err: error, message: message.type }, 'voice worker could not handle a message');
  }
});

post({ type: 'started', opus: opusBackend(), dave: /- @snazzah\/davey: (?!not found)/.test(generateDependencyReport()), priority: priorityText });

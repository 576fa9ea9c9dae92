/**
 * The fake Discord REST API (`/api/v10/...`) plus the fake CDN (`/attachments/...`) on one node:http server.
 * Answers like Discord: JSON errors `{message, code}`, 401 without the bot token, ack-once and the 3 s
 * window for interaction callbacks. Unknown routes answer 404 and are recorded, so gaps show up.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cdn } from './cdn.ts';
import type { SimClock } from './clock.ts';
import { snowflake } from './ids.ts';
import { ACK_WINDOW_MS, CALLBACK, TOKEN_LIFETIME_MS } from './interactions.ts';
import type { SimInteraction } from './interactions.ts';
import { botMessagePayload, FLAG_EPHEMERAL, FLAG_LOADING, FLAG_VOICE_MESSAGE } from './messages.ts';
import type { BotMessage, MessageContent, MessageStore, UploadedFile } from './messages.ts';
import type { World } from './world.ts';

/** One request the bot made, for assertions. */
export interface RestCall {
  readonly method: string;
  /** Path after `/api/v10` (or the full path for the CDN), without the query. */
  readonly route: string;
  readonly status: number;
  /** Simulator clock (ms). */
  readonly at: number;
  /** The parsed JSON body (or multipart `payload_json`), if any. */
  readonly body: unknown;
}

/** A registered application command, as Discord returns it. */
export type CommandRecord = Record<string, unknown> & { readonly id: string; readonly name: string; readonly options?: unknown[] };

/** What the REST server shares with the rest of the simulator. */
export interface RestDeps {
  readonly world: World;
  readonly clock: SimClock;
  readonly token: string;
  readonly cdn: Cdn;
  readonly messages: MessageStore;
  readonly interactions: Map<string, SimInteraction>;
  readonly gatewayURL: () => string;
  /** `shards` and `session_start_limit` of `GET /gateway/bot`. */
  readonly gatewayBot: () => { readonly shards: number; readonly session_start_limit: Readonly<Record<string, number>> };
  /** Called when the bot creates or edits a visible message (the gateway echoes MESSAGE_CREATE / MESSAGE_UPDATE). */
  readonly onMessage: (kind: 'create' | 'update', message: BotMessage) => void;
  readonly log: (line: string) => void;
}

/** Discord's upload limit for guilds without boosts. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_CONTENT_LENGTH = 2000;

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

interface ParsedRequest {
  readonly method: string;
  readonly route: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly json: Record<string, unknown>;
  readonly files: UploadedFile[];
}

type Handler = (request: ParsedRequest, params: string[]) => Reply | Promise<Reply>;

const ok = (body: unknown): Reply => ({ status: 200, body });
const noContent: Reply = { status: 204 };
const apiError = (status: number, code: number, message: string, errors?: unknown): Reply => ({
  status,
  body: { message, code, ...(errors ? { errors } : {}) },
});
const notFound = apiError(404, 0, '404: Not Found');

function formError(field: string, code: string, message: string): Reply {
  return apiError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });
}

/** The fake REST API and CDN. */
export class RestServer {
  /** Every request, in order. */
  readonly calls: RestCall[] = [];
  /** Requests that matched no route (answered 404). */
  readonly unknownRoutes: RestCall[] = [];
  /** Channels the bot triggered typing in (ids, one entry per call). */
  readonly typing: string[] = [];
  /** Registered commands: key 'global' or a guild id. */
  readonly commands = new Map<string, CommandRecord[]>();
  private readonly deps: RestDeps;
  private readonly server: Server;
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler; auth: boolean }> = [];

  constructor(deps: RestDeps) {
    this.deps = deps;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.defineRoutes();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** `http://127.0.0.1:PORT` */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(method: string, path: string, handler: Handler, auth = true): void {
    // `:name` segments capture one path segment; '@me' / '@original' are literals.
    const pattern = new RegExp(`^${path.replace(/:[a-z]+/g, '([^/]+)')}$`);
    this.routes.push({ method, pattern, handler, auth });
  }

  private defineRoutes(): void {
    const { world } = this.deps;
    this.route('GET', '/gateway', () => ok({ url: this.deps.gatewayURL() }), false);
    this.route('GET', '/gateway/bot', () => ok({ url: this.deps.gatewayURL(), ...this.deps.gatewayBot() }));
    this.route('GET', '/users/@me', () => ok(world.userPayload(world.bot.id)));
    this.route('GET', '/users/:id', (_, [id]) => (world.findUser(id!) ? ok(world.userPayload(id!)) : apiError(404, 10013, 'Unknown User')));
    this.route('GET', '/applications/@me', () => ok(this.applicationPayload()));
    this.route('GET', '/oauth2/applications/@me', () => ok(this.applicationPayload()));

    this.route('GET', '/applications/:app/commands', (_, [app]) => this.withApp(app, () => ok(this.commands.get('global') ?? [])));
    this.route('PUT', '/applications/:app/commands', (r, [app]) => this.withApp(app, () => this.putCommands('global', r.json)));
    this.route('POST', '/applications/:app/commands', (r, [app]) => this.withApp(app, () => this.postCommand('global', r.json)));
    this.route('GET', '/applications/:app/guilds/:guild/commands', (_, [app, guild]) => this.withApp(app, () => ok(this.commands.get(guild!) ?? [])));
    this.route('PUT', '/applications/:app/guilds/:guild/commands', (r, [app, guild]) => this.withApp(app, () => this.putCommands(guild!, r.json)));
    this.route('POST', '/applications/:app/guilds/:guild/commands', (r, [app, guild]) => this.withApp(app, () => this.postCommand(guild!, r.json)));

    this.route('POST', '/interactions/:id/:token/callback', (r, [id, token]) => this.callback(r, id!, token!), false);
    this.route('GET', '/webhooks/:app/:token/messages/@original', (_, [app, token]) => this.original(app!, token!, (_, m) => ok(this.payload(m))), false);
    this.route(
      'PATCH',
      '/webhooks/:app/:token/messages/@original',
      (r, [app, token]) => this.original(app!, token!, (i, m) => this.editWebhookMessage(i, m, r)),
      false,
    );
    this.route(
      'DELETE',
      '/webhooks/:app/:token/messages/@original',
      (_, [app, token]) =>
        this.original(app!, token!, (i, m) => {
          this.deps.messages.delete(m.id);
          i.record({ kind: 'delete', at: this.deps.clock.now(), messageId: m.id });
          return noContent;
        }),
      false,
    );
    this.route('POST', '/webhooks/:app/:token', (r, [app, token]) => this.followUp(r, app!, token!), false);
    this.route('PATCH', '/webhooks/:app/:token/messages/:message', (r, [app, token, messageId]) => this.editFollowUp(r, app!, token!, messageId!), false);

    this.route('GET', '/channels/:channel', (_, [id]) => {
      const channel = world.channelById(id!);
      if (world.dmRecipient(id!)) return ok(world.dmChannelPayload(id!));
      return channel ? ok(world.channelPayload(channel)) : apiError(404, 10003, 'Unknown Channel');
    });
    this.route('POST', '/channels/:channel/messages', (r, [id]) => this.createChannelMessage(r, id!));
    this.route('GET', '/channels/:channel/messages/:message', (_, [id, messageId]) => {
      const message = this.deps.messages.get(messageId!);
      return message && message.channelId === id ? ok(this.payload(message)) : apiError(404, 10008, 'Unknown Message');
    });
    this.route('PATCH', '/channels/:channel/messages/:message', (r, [id, messageId]) => {
      const message = this.deps.messages.get(messageId!);
      if (!message || message.channelId !== id) return apiError(404, 10008, 'Unknown Message');
      return this.applyEdit(message, r);
    });
    this.route('DELETE', '/channels/:channel/messages/:message', (_, [id, messageId]) => {
      const message = this.deps.messages.get(messageId!);
      if (!message || message.channelId !== id) return apiError(404, 10008, 'Unknown Message');
      this.deps.messages.delete(message.id);
      return noContent;
    });
    this.route('POST', '/channels/:channel/typing', (_, [id]) => {
      if (!world.channelById(id!) && !world.dmRecipient(id!)) return apiError(404, 10003, 'Unknown Channel');
      this.typing.push(id!);
      return noContent;
    });
    this.route('GET', '/guilds/:guild/members/:user', (_, [guildId, userId]) => {
      const guild = world.guilds.find((g) => g.id === guildId);
      if (!guild) return apiError(404, 10004, 'Unknown Guild');
      return guild.members.has(userId!) ? ok(world.memberPayload(guild, userId!)) : apiError(404, 10007, 'Unknown Member');
    });
  }

  private applicationPayload(): Record<string, unknown> {
    const { world } = this.deps;
    return {
      id: world.applicationId,
      name: world.bot.username,
      icon: null,
      description: '',
      bot_public: true,
      bot_require_code_grant: false,
      flags: 0,
      bot: world.userPayload(world.bot.id),
      owner: world.userPayload(world.guilds[0]?.ownerId ?? world.bot.id),
      verify_key: '0'.repeat(64),
      team: null,
    };
  }

  private withApp(app: string | undefined, then: () => Reply): Reply {
    return app === this.deps.world.applicationId ? then() : apiError(404, 10002, 'Unknown Application');
  }

  private commandRecord(scope: string, body: Record<string, unknown>, existing?: CommandRecord): CommandRecord {
    const name = String(body.name ?? '');
    return {
      id: existing?.id ?? snowflake(),
      application_id: this.deps.world.applicationId,
      version: snowflake(),
      type: 1,
      description: '',
      default_member_permissions: null,
      dm_permission: true,
      nsfw: false,
      ...body,
      name,
      ...(scope === 'global' ? {} : { guild_id: scope }),
    };
  }

  private putCommands(scope: string, json: unknown): Reply {
    if (!Array.isArray(json)) return formError('_root', 'ARRAY_TYPE_CONVERT', 'Must be an array.');
    const previous = this.commands.get(scope) ?? [];
    const names = new Set<string>();
    for (const body of json as Record<string, unknown>[]) {
      const name = String(body.name ?? '');
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(name)) return formError('name', 'APPLICATION_COMMAND_INVALID_NAME', `Command name "${name}" is invalid.`);
      if (names.has(name)) return formError('name', 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique: ${name}`);
      names.add(name);
    }
    const records = (json as Record<string, unknown>[]).map((body) =>
      this.commandRecord(
        scope,
        body,
        previous.find((c) => c.name === body.name),
      ),
    );
    this.commands.set(scope, records);
    return ok(records);
  }

  private postCommand(scope: string, json: Record<string, unknown>): Reply {
    const list = this.commands.get(scope) ?? [];
    const existing = list.find((c) => c.name === json.name);
    const record = this.commandRecord(scope, json, existing);
    this.commands.set(scope, [...list.filter((c) => c !== existing), record]);
    return { status: existing ? 200 : 201, body: record };
  }

  private payload(message: BotMessage): Record<string, unknown> {
    return botMessagePayload(this.deps.world, message);
  }

  /** Validates a create/edit body like Discord and extracts what is kept. */
  private content(request: ParsedRequest, base?: BotMessage): MessageContent | Reply {
    const { json, files } = request;
    const content = typeof json.content === 'string' ? json.content : json.content === null ? '' : (base?.content ?? '');
    if (content.length > MAX_CONTENT_LENGTH) return formError('content', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT_LENGTH} or fewer in length.`);
    const embeds = Array.isArray(json.embeds) ? json.embeds : (base?.embeds ?? []);
    if (embeds.length > 10) return formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    if (files.some((file) => file.data.byteLength > MAX_UPLOAD_BYTES)) return apiError(413, 40005, 'Request entity too large');
    // On edit, `attachments` lists the existing attachments to keep; new uploads are added.
    const kept =
      Array.isArray(json.attachments) && base
        ? base.files.filter((f) => (json.attachments as Array<{ id?: unknown }>).some((a) => String(a.id) === f.attachment.id))
        : (base?.files ?? []);
    const components = Array.isArray(json.components) ? json.components : (base?.components ?? []);
    const flags = typeof json.flags === 'number' ? json.flags : (base?.flags ?? 0);
    if (!base && (flags & FLAG_VOICE_MESSAGE) !== 0) return this.voiceMessage(content, json, files, flags);
    const result = { content, embeds, components, flags, files: [...kept, ...files] };
    if (!base && !content && embeds.length === 0 && result.files.length === 0 && components.length === 0 && !json.sticker_ids && !json.poll) {
      return apiError(400, 50006, 'Cannot send an empty message');
    }
    return result;
  }

  /** A voice message: one Ogg audio file with its duration and waveform, and nothing else (Discord's rules). */
  private voiceMessage(content: string, json: Record<string, unknown>, files: UploadedFile[], flags: number): MessageContent | Reply {
    if (content || (Array.isArray(json.embeds) && json.embeds.length > 0)) return apiError(400, 50159, 'Voice messages do not support additional content.');
    const [file] = files;
    if (files.length !== 1 || !/^(audio|application)\/ogg/.test(file!.contentType))
      return apiError(400, 50160, 'Voice messages must have a single audio attachment.');
    const meta = (Array.isArray(json.attachments) ? (json.attachments as Array<Record<string, unknown>>) : []).find((a) => String(a.id) === '0');
    const durationSecs = meta?.duration_secs;
    const waveform = meta?.waveform;
    if (typeof durationSecs !== 'number' || !(durationSecs > 0) || typeof waveform !== 'string' || waveform.length === 0) {
      return apiError(400, 50161, 'Voice messages must have supporting metadata.');
    }
    const attachment = { ...file!.attachment, duration_secs: durationSecs, waveform };
    return { content: '', embeds: [], components: [], flags, files: [{ ...file!, attachment, durationSecs, waveform }] };
  }

  private createChannelMessage(request: ParsedRequest, channelId: string): Reply {
    const channel = this.deps.world.channelById(channelId);
    if (!channel && !this.deps.world.dmRecipient(channelId)) return apiError(404, 10003, 'Unknown Channel');
    const content = this.content(request);
    if ('status' in content) return content;
    const message = this.deps.messages.create({
      ...content,
      channelId,
      guildId: channel?.guildId ?? null,
      interactionId: null,
      createdAt: this.deps.clock.now(),
    });
    this.deps.onMessage('create', message);
    return ok(this.payload(message));
  }

  private applyEdit(message: BotMessage, request: ParsedRequest): Reply {
    const content = this.content(request, message);
    if ('status' in content) return content;
    const edited = this.deps.messages.edit(message.id, content, this.deps.clock.now())!;
    this.deps.onMessage('update', edited);
    return ok(this.payload(edited));
  }

  private callback(request: ParsedRequest, id: string, token: string): Reply {
    const interaction = this.deps.interactions.get(id);
    const now = this.deps.clock.now();
    if (!interaction || interaction.token !== token) return apiError(404, 10062, 'Unknown interaction');
    if (interaction.acknowledged) return apiError(400, 40060, 'Interaction has already been acknowledged.');
    if (now - interaction.createdAt > ACK_WINDOW_MS) return apiError(404, 10062, 'Unknown interaction');
    const type = request.json.type;
    const data = (request.json.data ?? {}) as Record<string, unknown>;
    const dataRequest = { ...request, json: data };
    const base = { channelId: interaction.channelId, guildId: interaction.guildId, interactionId: interaction.id, createdAt: now };
    let message: BotMessage;
    if (type === CALLBACK.reply) {
      const content = this.content(dataRequest);
      if ('status' in content) return content;
      message = this.deps.messages.create({ ...base, ...content });
      interaction.originalId = message.id;
      interaction.record({ kind: 'reply', at: now, messageId: message.id });
      if ((message.flags & FLAG_EPHEMERAL) === 0) this.deps.onMessage('create', message);
    } else if (type === CALLBACK.deferReply) {
      const flags = FLAG_LOADING | ((typeof data.flags === 'number' ? data.flags : 0) & FLAG_EPHEMERAL);
      message = this.deps.messages.create({ ...base, content: '', embeds: [], components: [], files: [], flags }, false);
      interaction.originalId = message.id;
      interaction.record({ kind: 'defer', at: now, messageId: message.id });
    } else if (type === CALLBACK.deferUpdate || type === CALLBACK.update) {
      // Only component interactions have a message to update.
      if (interaction.type !== 3) return formError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Interaction response type is invalid for this interaction.');
      interaction.record({ kind: type === CALLBACK.update ? 'update' : 'deferUpdate', at: now, messageId: null });
      return noContent;
    } else {
      return formError('type', 'BASE_TYPE_CHOICES', `Value must be one of ${Object.values(CALLBACK).join(', ')}.`);
    }
    if (request.query.get('with_response') !== 'true') return noContent;
    return ok({
      interaction: {
        id: interaction.id,
        type: interaction.type,
        response_message_id: message.id,
        response_message_loading: type === CALLBACK.deferReply,
        response_message_ephemeral: (message.flags & FLAG_EPHEMERAL) !== 0,
      },
      resource: { type, ...(type === CALLBACK.reply ? { message: this.payload(message) } : {}) },
    });
  }

  /** Finds the interaction behind a webhook token, enforcing the 15-minute token lifetime. */
  private byToken(app: string, token: string): SimInteraction | Reply {
    const interaction = [...this.deps.interactions.values()].find((i) => i.token === token);
    if (app !== this.deps.world.applicationId || !interaction) return apiError(404, 10015, 'Unknown Webhook');
    if (this.deps.clock.now() - interaction.createdAt > TOKEN_LIFETIME_MS) return apiError(401, 50027, 'Invalid Webhook Token');
    return interaction;
  }

  private original(app: string, token: string, then: (interaction: SimInteraction, message: BotMessage) => Reply): Reply {
    const interaction = this.byToken(app, token);
    if ('status' in interaction) return interaction;
    const message = interaction.original;
    return message ? then(interaction, message) : apiError(404, 10008, 'Unknown Message');
  }

  private editWebhookMessage(interaction: SimInteraction, message: BotMessage, request: ParsedRequest): Reply {
    const wasLoading = (message.flags & FLAG_LOADING) !== 0;
    // A deferred reply's flags are fixed at defer time (ephemeral stays ephemeral).
    const json = wasLoading ? { ...request.json, flags: message.flags & FLAG_EPHEMERAL } : request.json;
    const content = this.content({ ...request, json }, message);
    if ('status' in content) return content;
    const edited = this.deps.messages.edit(message.id, content, this.deps.clock.now())!;
    interaction.record({ kind: 'edit', at: this.deps.clock.now(), messageId: message.id });
    if ((edited.flags & FLAG_EPHEMERAL) === 0) this.deps.onMessage(wasLoading ? 'create' : 'update', edited);
    return ok(this.payload(edited));
  }

  private followUp(request: ParsedRequest, app: string, token: string): Reply {
    const interaction = this.byToken(app, token);
    if ('status' in interaction) return interaction;
    if (!interaction.acknowledged) return apiError(404, 10015, 'Unknown Webhook');
    const content = this.content(request);
    if ('status' in content) return content;
    const now = this.deps.clock.now();
    const message = this.deps.messages.create({
      ...content,
      channelId: interaction.channelId,
      guildId: interaction.guildId,
      interactionId: interaction.id,
      createdAt: now,
    });
    interaction.record({ kind: 'followUp', at: now, messageId: message.id });
    if ((message.flags & FLAG_EPHEMERAL) === 0) this.deps.onMessage('create', message);
    return ok(this.payload(message));
  }

  private editFollowUp(request: ParsedRequest, app: string, token: string, messageId: string): Reply {
    const interaction = this.byToken(app, token);
    if ('status' in interaction) return interaction;
    const message = this.deps.messages.get(messageId);
    if (!message || message.interactionId !== interaction.id) return apiError(404, 10008, 'Unknown Message');
    return this.editWebhookMessage(interaction, message, request);
  }

  // ---- plumbing ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const raw = Buffer.concat(await req.toArray());
    const method = req.method ?? 'GET';
    const at = this.deps.clock.now();
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const file = this.deps.cdn.download(url.pathname);
      this.calls.push({ method, route: url.pathname, status: file ? 200 : 404, at, body: undefined });
      if (!file) return void this.send(res, notFound);
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.data.byteLength });
      return void res.end(file.data);
    }
    // discord.js percent-encodes '@' ('/messages/%40original'); Discord accepts both, so match decoded paths.
    const encodedApiPath = /^\/api\/v\d+(\/.*)$/.exec(url.pathname)?.[1];
    const apiPath = encodedApiPath?.split('/').map(decodeURIComponent).join('/');
    let parsed: ParsedRequest | undefined;
    let reply: Reply;
    try {
      parsed = await this.parse(req, url, apiPath ?? url.pathname, raw);
      reply = await this.dispatch(parsed, apiPath !== undefined);
    } catch (error) {
      this.deps.log(`REST ${method} ${url.pathname} failed: ${error instanceof Error ? error.stack : String(error)}`);
      reply = error instanceof SyntaxError ? apiError(400, 50109, 'The request body contains invalid JSON.') : apiError(500, 0, '500: Internal Server Error');
    }
    const call: RestCall = { method, route: apiPath ?? url.pathname, status: reply.status, at, body: parsed?.json };
    this.calls.push(call);
    this.deps.log(`REST ${method} ${call.route} -> ${reply.status}`);
    this.send(res, reply);
  }

  private dispatch(request: ParsedRequest, isApi: boolean): Reply | Promise<Reply> {
    for (const route of isApi ? this.routes : []) {
      const match = route.method === request.method ? route.pattern.exec(request.route) : null;
      if (!match) continue;
      if (route.auth && request.authorization !== `Bot ${this.deps.token}`) return apiError(401, 0, '401: Unauthorized');
      return route.handler(request, match.slice(1));
    }
    this.unknownRoutes.push({ method: request.method, route: request.route, status: 404, at: this.deps.clock.now(), body: request.json });
    this.deps.log(`REST unknown route ${request.method} ${request.route}`);
    return notFound;
  }

  private async parse(req: IncomingMessage, url: URL, route: string, raw: Buffer): Promise<ParsedRequest> {
    const type = req.headers['content-type'] ?? '';
    let json: Record<string, unknown> = {};
    const files: UploadedFile[] = [];
    if (type.startsWith('application/json') && raw.length > 0) {
      json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } else if (type.startsWith('multipart/form-data')) {
      // undici's Response parses multipart for us, exactly as a browser would.
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      for (const [field, value] of form) {
        if (field === 'payload_json' && typeof value === 'string') json = JSON.parse(value) as Record<string, unknown>;
        else if (typeof value !== 'string') {
          const data = Buffer.from(await value.arrayBuffer());
          const contentType = value.type || 'application/octet-stream';
          const channelId = /\/channels\/(\d+)\//.exec(route)?.[1] ?? 'uploads';
          const attachment = this.deps.cdn.upload(channelId, { name: value.name, data, contentType });
          files.push({ name: value.name, contentType, data, attachment });
        }
      }
    }
    const authorization = req.headers.authorization;
    return { method: req.method ?? 'GET', route, query: url.searchParams, authorization, json, files };
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (reply.body === undefined) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

// WebSocket streaming at /v1/stream. Authenticated with an API key (Authorization header, or
// `?api_key=`, or a first {type:"auth", api_key} message for browsers): nothing a client sends is
// read while a header key is checked, a first message larger than PRE_AUTH_MAX_BYTES or that is
// not an auth message closes the socket unparsed, and the key is checked again before every
// generation, at once on every replica when its key is revoked or its tenant deleted
// (CredentialChangeListener), and every KEY_RECHECK_MS while generations run in case a
// notification was missed (a revoked key or a deleted tenant stops the socket and its
// generations). Frames are at most
// BODY_LIMIT_BYTES (BoundedWsAdapter). A client sends
// {type:"generate", id, request} with a chat-completions body and receives {type:"delta"} events, a
// {type:"finish"} per choice and a final {type:"done", id, usage}; {type:"cancel", id} stops one
// generation; several may run at once; closing the socket cancels them all; a draining server
// answers a generate with an error (server_draining). GenerationRunner runs
// each generation into a StreamSocketSink, whose sends wait while the socket's buffer is above a
// high-water mark (backpressure reaches the engine loop).
import { Logger, OnModuleDestroy, OnModuleInit, UnauthorizedException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'http';
import type { WebSocket } from 'ws';

import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import { Authenticator } from '../auth/authenticator';
import { closeUnauthorized } from '../auth/close-unauthorized';
import { CredentialChangeListener, type CredentialEvent } from '../auth/credential-change-listener.service';
import { RateLimiter } from '../auth/rate-limiter';
import { socketToken } from '../auth/request-token';
import { OpenAiError } from '../common/openai-error';
import { isUnexpected, toOpenAiError } from '../common/openai-exception.filter';
import { validateAs } from '../common/validation';
import { ChatCompletionDto } from '../completions/completion.dto';
import { CompletionService } from '../completions/completion.service';
import { GenerationRunner } from '../completions/generation-runner';
import { DrainService, type Admission } from '../lifecycle/drain.service';
import { send } from './socket-send';
import { StreamSocketSink } from './stream-socket.sink';
import { AuthMessageDto, GenerationMessageDto } from './stream-message.dto';

const AUTH_TIMEOUT_MS = 10_000;
const MAX_CONCURRENT_PER_SOCKET = 16;
/** The largest message read before the socket is authenticated (an auth message is far smaller). */
export const PRE_AUTH_MAX_BYTES = 4096;
/** How often a socket with running generations checks that its key still holds (a backstop: a
 *  withdrawn key is normally noticed at once, through CredentialChangeListener). */
export const KEY_RECHECK_MS = 2000;

interface Session {
  tenant?: AuthenticatedTenant;
  /** The key the socket authenticated with: checked again before each generation. */
  token?: string;
  running: Map<string, AbortController>;
  queue: Promise<void>;
  /** Checks the key while generations run. */
  recheck?: NodeJS.Timeout;
}

@WebSocketGateway({ path: '/v1/stream' })
export class StreamGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StreamGateway.name);
  /** Every open socket's session (removed on disconnect). */
  private readonly sessions = new Map<WebSocket, Session>();
  private unsubscribe?: () => void;

  constructor(
    private readonly auth: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly completions: CompletionService,
    private readonly runner: GenerationRunner,
    private readonly drain: DrainService,
    private readonly credentials: CredentialChangeListener,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.credentials.subscribe((event) => this.onCredentialChange(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async handleConnection(socket: WebSocket, req: IncomingMessage): Promise<void> {
    const session: Session = { running: new Map(), queue: Promise.resolve() };
    this.sessions.set(socket, session);
    // Messages are handled one after another (authentication first); generations run concurrently.
    const enqueue = (text: string) => (session.queue = session.queue.then(() => this.onMessage(socket, session, text)));
    socket.on('message', (data: Buffer) => {
      // Before authentication only a small auth message is read; nothing larger is even decoded.
      if (!session.tenant && data.length > PRE_AUTH_MAX_BYTES) return this.reject(socket, 'Authenticate first: {"type":"auth","api_key":"..."}');
      // Nothing more is read until this message (an auth message above all) is handled.
      if (!session.tenant) socket.pause();
      void enqueue(data.toString());
    });

    const token = socketToken(req, 'api_key');
    if (token === null) {
      const timer = setTimeout(() => !session.tenant && this.reject(socket, 'Authenticate within 10 s: {"type":"auth","api_key":"..."}'), AUTH_TIMEOUT_MS);
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    // Nothing the client sends is read until the key is checked.
    socket.pause();
    session.queue = session.queue.then(() => this.authenticate(socket, session, token));
  }

  handleDisconnect(socket: WebSocket): void {
    const session = this.sessions.get(socket);
    this.sessions.delete(socket);
    if (session) this.stopSession(session);
  }

  /** Checks again the key of every socket that authenticated with the withdrawn one (or of all). */
  private onCredentialChange(event: CredentialEvent): void {
    for (const [socket, session] of this.sessions) {
      if (session.tenant && (event === 'everything' || session.tenant.keyId === event.key_id)) void this.recheckKey(socket, session);
    }
  }

  private async onMessage(socket: WebSocket, session: Session, text: string): Promise<void> {
    if (socket.readyState !== socket.OPEN) return;
    const message = parseObject(text);
    if (!session.tenant) {
      // Garbage before authentication closes the socket.
      const auth = message === null ? null : await validateAs(AuthMessageDto, message).catch(() => null);
      if (auth === null) return this.reject(socket, 'Authenticate first: {"type":"auth","api_key":"..."}');
      return this.authenticate(socket, session, auth.api_key);
    }
    if (message === null) return this.sendError(socket, undefined, OpenAiError.badRequest('Messages must be JSON objects.', 'invalid_json'));
    let command: GenerationMessageDto;
    try {
      command = await validateAs(GenerationMessageDto, message);
    } catch (err) {
      return this.sendError(socket, typeof message.id === 'string' ? message.id : undefined, err);
    }
    if (command.type === 'cancel') session.running.get(command.id)?.abort();
    else void this.generate(socket, session, command.id, command.request);
  }

  private async generate(socket: WebSocket, session: Session, id: string, body: unknown): Promise<void> {
    // A draining server starts nothing new (the same DrainService admits the HTTP generations).
    let admission: Admission;
    try {
      admission = this.drain.admit();
    } catch (err) {
      return this.sendError(socket, id, err);
    }
    try {
      await this.generateAdmitted(socket, session, id, body);
    } finally {
      admission.end();
    }
  }

  private async generateAdmitted(socket: WebSocket, session: Session, id: string, body: unknown): Promise<void> {
    // The key may have been revoked, or its tenant deleted, since the socket opened.
    const tenant = await this.recheckKey(socket, session);
    if (tenant === null) return;
    if (session.running.has(id)) return this.sendError(socket, id, OpenAiError.badRequest(`A generation with id "${id}" is running.`, 'duplicate_id', 'id'));
    if (session.running.size >= MAX_CONCURRENT_PER_SOCKET) {
      return this.sendError(socket, id, new OpenAiError(429, `At most ${MAX_CONCURRENT_PER_SOCKET} generations per socket.`, 'rate_limit_error', 'too_many_generations'));
    }
    // Each generation counts against the tenant's budget, like an HTTP request.
    if (!(await this.limiter.consume(tenant.id)).allowed) return this.sendError(socket, id, new ThrottlerException());
    const controller = new AbortController();
    session.running.set(id, controller);
    session.recheck ??= setInterval(() => void this.recheckKey(socket, session), KEY_RECHECK_MS).unref();
    try {
      const dto = await validateAs(ChatCompletionDto, body);
      const prepared = await this.completions.prepareChat(tenant.id, dto, 'stream');
      await this.runner.run(prepared, new StreamSocketSink(socket, id, controller.signal));
    } catch (err) {
      this.sendError(socket, id, err);
    } finally {
      session.running.delete(id);
      if (session.running.size === 0) {
        clearInterval(session.recheck);
        session.recheck = undefined;
      }
    }
  }

  /** The socket's tenant if its key still holds; else its generations stop and it is closed (4401). */
  private recheckKey(socket: WebSocket, session: Session): Promise<AuthenticatedTenant | null> {
    return this.auth.authenticateTenant(session.token ?? null).catch((err) => {
      this.stopSession(session);
      closeUnauthorized(socket, err);
      return null;
    });
  }

  private async authenticate(socket: WebSocket, session: Session, token: string): Promise<void> {
    try {
      session.tenant = await this.auth.authenticateTenant(token);
      session.token = token;
    } catch (err) {
      return closeUnauthorized(socket, err);
    }
    send(socket, { type: 'ready', tenantId: session.tenant.id });
    socket.resume();
  }

  private stopSession(session: Session): void {
    clearInterval(session.recheck);
    session.recheck = undefined;
    for (const controller of session.running.values()) controller.abort();
  }

  private sendError(socket: WebSocket, id: string | undefined, err: unknown): void {
    const { body } = toOpenAiError(err);
    if (isUnexpected(err)) this.logger.error(err instanceof Error ? err.stack : String(err));
    send(socket, { type: 'error', ...(id === undefined ? {} : { id }), error: body.error });
  }

  private reject(socket: WebSocket, message: string): void {
    closeUnauthorized(socket, new UnauthorizedException(message));
  }
}

/** A JSON object, else null (not JSON, or an array or a primitive). */
function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

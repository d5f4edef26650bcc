// Admin console sessions: logging in with the admin token gives an opaque session id (the cookie
// of the admin UI holds it, never the admin token); the id authenticates admin calls until logout
// revokes it, it expires (12 h) or it is idle (1 h). Failed logins are throttled per client and
// per source address.
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'crypto';
import type { AdminSessionCreated } from '@chunkserve/contracts';

import { Authenticator } from '../../auth/authenticator';
import { OpenAiError } from '../../common/openai-error';
import { AdminSessionRepository } from './admin-session.repository';
import { LoginThrottle } from './login-throttle';

export const SESSION_PREFIX = 'cs_sess_';
const SESSION_PATTERN = /^cs_sess_[A-Za-z0-9_-]{43}$/;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 60 * 60 * 1000;
/** last_seen_at is written at most this often per session. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
const THROTTLE_WINDOW_MS = 15 * 60 * 1000;

/** Where a login comes from: the caller's address, and the browser's as the admin UI reports it. */
export interface LoginOrigin {
  source: string;
  client: string | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** 429 for a login attempt while throttled; the controller sends Retry-After. */
export class LoginThrottledError extends OpenAiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, `Too many failed logins: try again in ${retryAfterSeconds} s.`, 'rate_limit_error', 'login_throttled');
  }
}

@Injectable()
export class AdminSessionService {
  private readonly logger = new Logger(AdminSessionService.name);
  /** Per browser (as reported by the admin UI, which anyone could fake): a tight limit. */
  private readonly perClient = new LoginThrottle({ limit: 5, windowMs: THROTTLE_WINDOW_MS });
  /** Per source address (the admin UI's server, or a direct caller): caps the total. */
  private readonly perSource = new LoginThrottle({ limit: 50, windowMs: THROTTLE_WINDOW_MS });

  constructor(
    private readonly sessions: AdminSessionRepository,
    private readonly auth: Authenticator,
  ) {}

  static isSessionId(token: string): boolean {
    return token.startsWith(SESSION_PREFIX);
  }

  async login(token: string, origin: LoginOrigin, now = Date.now()): Promise<AdminSessionCreated> {
    const clientKey = `${origin.source}|${origin.client ?? ''}`;
    const wait = Math.max(this.perClient.retryAfterSeconds(clientKey, now), this.perSource.retryAfterSeconds(origin.source, now));
    if (wait > 0) throw new LoginThrottledError(wait);
    try {
      this.auth.authenticateAdmin(token);
    } catch (err) {
      this.perClient.fail(clientKey, now);
      this.perSource.fail(origin.source, now);
      this.logger.warn(`failed admin login from ${origin.source}${origin.client ? ` (client ${origin.client})` : ''}`);
      throw err;
    }
    this.perClient.reset(clientKey);
    const session = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now + SESSION_TTL_MS);
    await this.sessions.insert(sha256(session), expiresAt, new Date(now));
    return { session, expiresAt: expiresAt.toISOString() };
  }

  /** 401 unless `session` is a live session id; keeps it from going idle. */
  async authenticate(session: string, now = Date.now()): Promise<void> {
    const row = SESSION_PATTERN.test(session) ? await this.sessions.findActive(sha256(session), new Date(now)) : null;
    if (!row || now - row.lastSeenAt.getTime() > SESSION_IDLE_MS) {
      throw new HttpException('The admin session ended (logged out, expired or idle): log in again.', 401);
    }
    if (now - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) await this.sessions.touch(row.id, new Date(now));
  }

  /** Logout: the session id stops working at once. */
  async revoke(session: string, now = Date.now()): Promise<void> {
    const row = SESSION_PATTERN.test(session) ? await this.sessions.findActive(sha256(session), new Date(now)) : null;
    if (row) await this.sessions.revoke(row.id, new Date(now));
  }
}

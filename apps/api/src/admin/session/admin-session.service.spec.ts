import { Logger, UnauthorizedException } from '@nestjs/common';
import { createHash } from 'crypto';
import type { AdminSession } from '@chunkserve/persistence';

import { automock } from '../../../test/automock';
import { Authenticator } from '../../auth/authenticator';
import { AdminSessionRepository } from './admin-session.repository';
import { AdminSessionService, LoginThrottledError, SESSION_IDLE_MS, SESSION_TTL_MS } from './admin-session.service';

const ADMIN = 'admin-token-0123456789';
const origin = { source: '127.0.0.1', client: '10.0.0.7' };
const hash = (s: string) => createHash('sha256').update(s).digest();

describe('AdminSessionService', () => {
  const sessions = automock(AdminSessionRepository);
  const auth = automock(Authenticator);
  let service: AdminSessionService;
  const row = (values: Partial<AdminSession>): AdminSession => ({
    id: 's1',
    tokenHash: Buffer.alloc(32),
    createdAt: new Date(0),
    expiresAt: new Date(SESSION_TTL_MS),
    lastSeenAt: new Date(0),
    revokedAt: null,
    ...values,
  });

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    service = new AdminSessionService(sessions, auth);
    auth.authenticateAdmin.mockImplementation((token) => {
      if (token !== ADMIN) throw new UnauthorizedException('no');
    });
  });

  it('gives an opaque session id for the admin token and stores only its hash, expiring in 12 h', async () => {
    const created = await service.login(ADMIN, origin, 1000);
    expect(created.session).toMatch(/^cs_sess_[A-Za-z0-9_-]{43}$/);
    expect(created.session).not.toContain(ADMIN);
    expect(created.expiresAt).toBe(new Date(1000 + SESSION_TTL_MS).toISOString());
    const [stored, expiresAt] = sessions.insert.mock.calls[0];
    expect(stored.equals(hash(created.session))).toBe(true);
    expect(expiresAt.getTime()).toBe(1000 + SESSION_TTL_MS);
  });

  it('throttles a client after 5 failed logins (even with the right token), and not other clients', async () => {
    for (let i = 0; i < 5; i++) await expect(service.login('wrong', origin, 0)).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(service.login(ADMIN, origin, 1000)).rejects.toEqual(expect.objectContaining({ status: 429, retryAfterSeconds: 899 }));
    await expect(service.login(ADMIN, { ...origin, client: '10.0.0.8' }, 1000)).resolves.toBeDefined();
    await expect(service.login(ADMIN, origin, 15 * 60 * 1000)).resolves.toBeDefined();
  });

  it('caps failures per source address whatever client it reports', async () => {
    for (let i = 0; i < 50; i++) await service.login('wrong', { source: '10.1.1.1', client: `c${i}` }, 0).catch(() => undefined);
    await expect(service.login(ADMIN, { source: '10.1.1.1', client: 'fresh' }, 0)).rejects.toBeInstanceOf(LoginThrottledError);
  });

  it('authenticates a live session, refreshing last_seen_at at most once a minute', async () => {
    sessions.findActive.mockResolvedValue(row({ lastSeenAt: new Date(0) }));
    const { session } = await service.login(ADMIN, origin, 0);
    await service.authenticate(session, 30_000);
    expect(sessions.touch).not.toHaveBeenCalled();
    await service.authenticate(session, 120_000);
    expect(sessions.touch).toHaveBeenCalledWith('s1', new Date(120_000));
    expect(sessions.findActive.mock.calls[0][0].equals(hash(session))).toBe(true);
  });

  it('refuses unknown, malformed, expired or revoked (not found) and idle sessions', async () => {
    const { session } = await service.login(ADMIN, origin, 0);
    sessions.findActive.mockResolvedValue(null);
    await expect(service.authenticate(session, 0)).rejects.toMatchObject({ status: 401 });
    await expect(service.authenticate('cs_sess_short', 0)).rejects.toMatchObject({ status: 401 });
    sessions.findActive.mockResolvedValue(row({ lastSeenAt: new Date(0) }));
    await expect(service.authenticate(session, SESSION_IDLE_MS + 1)).rejects.toMatchObject({ status: 401 });
  });

  it('revokes a session at logout', async () => {
    const { session } = await service.login(ADMIN, origin, 0);
    sessions.findActive.mockResolvedValue(row({}));
    await service.revoke(session, 5);
    expect(sessions.revoke).toHaveBeenCalledWith('s1', new Date(5));
  });
});

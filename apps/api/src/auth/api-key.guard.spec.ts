import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';

import { automock } from '../../test/automock';
import { ApiKeyGuard } from './api-key.guard';
import { Authenticator } from './authenticator';

describe('ApiKeyGuard', () => {
  const contextOf = (req: object) => ({ switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;

  it('authenticates the bearer token and attaches its tenant to the request', async () => {
    const auth = automock(Authenticator);
    auth.authenticateTenant.mockResolvedValue({ id: 't1', keyId: 'k1' });
    const req: Record<string, unknown> = { headers: { authorization: 'Bearer cs_live_key' } };
    await expect(new ApiKeyGuard(auth).canActivate(contextOf(req))).resolves.toBe(true);
    expect(auth.authenticateTenant).toHaveBeenCalledWith('cs_live_key');
    expect(req.tenant).toEqual({ id: 't1', keyId: 'k1' });
  });

  it("passes on the authenticator's refusal; a request without a bearer token has a null token", async () => {
    const auth = automock(Authenticator);
    auth.authenticateTenant.mockRejectedValue(new UnauthorizedException('no'));
    const req: Record<string, unknown> = { headers: { authorization: 'Basic abc' } };
    await expect(new ApiKeyGuard(auth).canActivate(contextOf(req))).rejects.toBeInstanceOf(UnauthorizedException);
    expect(auth.authenticateTenant).toHaveBeenCalledWith(null);
    expect(req.tenant).toBeUndefined();
  });
});

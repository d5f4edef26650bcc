import { UnauthorizedException } from '@nestjs/common';

import { automock, configOf } from '../../test/automock';
import { ApiKeyService } from '../api-keys/api-key.service';
import { Authenticator } from './authenticator';

const ADMIN = 'admin-token-0123456789';
const METRICS = 'metrics-token-0123456789';

describe('Authenticator', () => {
  const keys = automock(ApiKeyService);
  const authenticator = (metricsToken?: string) => new Authenticator(keys, ADMIN, configOf({ METRICS_TOKEN: metricsToken }));

  describe('authenticateTenant', () => {
    it("gives the key's tenant", async () => {
      keys.authenticate.mockResolvedValue({ id: 't1', keyId: 'k1' });
      await expect(authenticator().authenticateTenant('cs_live_key')).resolves.toEqual({ id: 't1', keyId: 'k1' });
      expect(keys.authenticate).toHaveBeenCalledWith('cs_live_key');
    });

    it('refuses a missing key and an unknown or revoked one with 401s that say which', async () => {
      await expect(authenticator().authenticateTenant(null)).rejects.toThrow(new UnauthorizedException('Missing API key: send Authorization: Bearer <api key>.'));
      expect(keys.authenticate).not.toHaveBeenCalled();
      keys.authenticate.mockResolvedValue(null);
      await expect(authenticator().authenticateTenant('cs_live_bad')).rejects.toThrow(new UnauthorizedException('Incorrect or revoked API key.'));
    });
  });

  it('refuses to run with an empty admin token, which an empty ?token= would match', () => {
    expect(() => new Authenticator(keys, '', configOf({}))).toThrow(/admin token is empty/);
    expect(() => new Authenticator(keys, '  ', configOf({}))).toThrow(/admin token is empty/);
  });

  it('accepts only the admin token as admin', () => {
    const auth = authenticator(METRICS);
    expect(() => auth.authenticateAdmin(ADMIN)).not.toThrow();
    for (const token of [null, METRICS, `${ADMIN}x`, '']) {
      expect(() => auth.authenticateAdmin(token)).toThrow(new UnauthorizedException('A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>.'));
    }
  });

  it('lets the admin token and METRICS_TOKEN (when set) scrape metrics', () => {
    const refusal = new UnauthorizedException('Metrics need Authorization: Bearer <METRICS_TOKEN or ADMIN_TOKEN>.');
    expect(() => authenticator(METRICS).authenticateScraper(METRICS)).not.toThrow();
    expect(() => authenticator(METRICS).authenticateScraper(ADMIN)).not.toThrow();
    expect(() => authenticator(METRICS).authenticateScraper('cs_live_key')).toThrow(refusal);
    expect(() => authenticator(undefined).authenticateScraper(METRICS)).toThrow(refusal);
    expect(() => authenticator(undefined).authenticateScraper(ADMIN)).not.toThrow();
    expect(() => authenticator(METRICS).authenticateScraper(null)).toThrow(refusal);
  });
});

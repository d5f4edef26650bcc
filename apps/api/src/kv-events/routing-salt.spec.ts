import { createHash } from 'crypto';

import { routingSaltOf } from './routing-salt';

describe('routing salt', () => {
  it('is the first 32 hex digits of SHA-256 of the namespace, distinct per tenant', () => {
    const id = '6f1c2f9e-8d1b-4c5a-9e77-0a1b2c3d4e5f';
    expect(routingSaltOf(`tenant:${id}`)).toBe(createHash('sha256').update(`tenant:${id}`).digest('hex').slice(0, 32));
    expect(routingSaltOf('tenant:a')).toMatch(/^[0-9a-f]{32}$/);
    expect(routingSaltOf('tenant:a')).not.toBe(routingSaltOf('tenant:b'));
  });
});

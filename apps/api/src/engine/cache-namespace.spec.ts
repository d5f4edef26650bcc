import { createHash } from 'crypto';

import { OpenAiError } from '../common/openai-error';
import { requestNamespace, routingSaltOf, tenantNamespace, tenantOf, tenantRoutingSalt } from './cache-namespace';

const id = '6f1c2f9e-8d1b-4c5a-9e77-0a1b2c3d4e5f';
const other = '0b7d9a43-1111-4c5a-9e77-0a1b2c3d4e5f';
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

describe('cache namespaces', () => {
  it("a tenant's routing salt is the first 32 hex digits of SHA-256 of its namespace, distinct per tenant", () => {
    expect(tenantRoutingSalt(id)).toBe(sha(`tenant:${id}`));
    expect(routingSaltOf(tenantNamespace(id))).toBe(tenantRoutingSalt(id));
    expect(tenantRoutingSalt(id)).not.toBe(tenantRoutingSalt(other));
  });

  it('no cache_salt or the routing salt itself: the tenant namespace', () => {
    expect(requestNamespace(id)).toBe(`tenant:${id}`);
    expect(requestNamespace(id, tenantRoutingSalt(id))).toBe(`tenant:${id}`);
  });

  it('a longer salt starting with the routing salt: a namespace of its own, whose routing salt is the body value', () => {
    const salt = `${tenantRoutingSalt(id)}-user-42`;
    const ns = requestNamespace(id, salt);
    expect(ns).toBe(`tenant:${id}:salt:${salt}`);
    expect(ns).not.toBe(requestNamespace(id, `${tenantRoutingSalt(id)}-user-43`));
    expect(tenantOf(ns)).toBe(id);
    expect(routingSaltOf(ns)).toBe(salt);
  });

  it("any other salt is a 400 naming cache_salt: another tenant's salt included", () => {
    for (const bad of ['x', tenantRoutingSalt(other), `${tenantRoutingSalt(other)}-x`, tenantRoutingSalt(id).slice(0, 31), `${tenantRoutingSalt(id)}${'a'.repeat(300)}`]) {
      let thrown: unknown;
      try {
        requestNamespace(id, bad);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(OpenAiError);
      expect(thrown).toMatchObject({ status: 400, code: 'invalid_cache_salt', param: 'cache_salt' });
    }
  });

  it('tenantOf reads back the tenant of either form; others are null', () => {
    expect(tenantOf(`tenant:${id}`)).toBe(id);
    expect(tenantOf('other')).toBeNull();
    expect(routingSaltOf('other')).toBe(sha('other'));
  });
});

// The playground's chat: relays the browser's request to the API's admin chat endpoint for the
// chosen tenant and streams the server-sent events back as they come.
import { adminFetch } from '../../../lib/api';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const { tenantId, ...body } = (await request.json()) as { tenantId?: unknown } & Record<string, unknown>;
  if (typeof tenantId !== 'string' || !/^[0-9a-f-]{36}$/i.test(tenantId)) {
    return Response.json({ error: { message: 'Pick a tenant.', type: 'invalid_request_error', code: 'invalid_value', param: 'tenantId' } }, { status: 400 });
  }
  const res = await adminFetch('POST', `/admin/tenants/${tenantId}/chat/completions`, { body });
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' } });
}

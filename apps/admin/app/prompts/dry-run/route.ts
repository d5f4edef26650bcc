// The prompt editor's live analysis: relays a draft to the API's dry run (nothing is stored).
import { adminFetch } from '../../../lib/api';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const { content, promptId } = (await request.json()) as { content?: unknown; promptId?: unknown };
  const path = typeof promptId === 'string' && promptId ? `/admin/prompts/${encodeURIComponent(promptId)}/dry-run` : '/admin/prompts/dry-run';
  const res = await adminFetch('POST', path, { body: { content } });
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
}

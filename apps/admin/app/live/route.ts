// The recent live engine samples for the overview's live panel: the browser polls this route on
// the dashboard's own origin, and the server fetches them from the API with the session's token.
import { fetchLiveStats } from '../../lib/api';

export const dynamic = 'force-dynamic';

export async function GET() {
  return Response.json(await fetchLiveStats());
}

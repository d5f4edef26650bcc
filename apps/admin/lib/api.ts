// The dashboard's only data access: server-side calls to the ChunkServe API.
import 'server-only';

export const API_URL = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export interface Readiness {
  status: 'ok' | 'error' | 'unreachable';
  details: Record<string, { status: string; [key: string]: unknown }>;
}

export async function fetchReadiness(): Promise<Readiness> {
  try {
    const res = await fetch(`${API_URL}/readyz`, { cache: 'no-store' });
    const body = await res.json();
    return { status: body.status, details: body.details ?? {} };
  } catch {
    return { status: 'unreachable', details: {} };
  }
}

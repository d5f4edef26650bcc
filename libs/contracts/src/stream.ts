/** Messages of the WebSocket at /v1/stream. */
export type StreamClientMessage =
  | { type: 'auth'; api_key: string }
  | { type: 'generate'; id: string; request: Record<string, unknown> }
  | { type: 'cancel'; id: string };

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export type StreamServerMessage =
  | { type: 'ready'; tenantId: string }
  | { type: 'delta'; id: string; choice: number; content: string; tokenId: number; logprob?: number }
  | { type: 'finish'; id: string; choice: number; finish_reason: 'stop' | 'length' | 'cancelled' }
  | { type: 'done'; id: string; usage: StreamUsage }
  | { type: 'error'; id?: string; error: { message: string; type: string; code: string | null } };

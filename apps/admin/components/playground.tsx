'use client';
// Streaming chat against the API as the chosen tenant (through /playground/chat), with each
// reply's time to first token (measured here, in the browser), tokens per second and the prompt
// tokens the cache already held (the usage chunk's cached_tokens).
import { useState } from 'react';

import { formatCount, formatMs } from '../lib/format';
import { TenantOptions } from './tenant-filter';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  stats?: { ttftMs: number; tokensPerSecond: number | null; promptTokens: number; cachedTokens: number; completionTokens: number };
}

const MAX_TOKENS = 64;

export function Playground({ model, tenants, prompts }: { model: string; tenants: { id: string; name: string }[]; prompts: { id: string; name: string; tenantId: string; version: number }[] }) {
  const [tenantId, setTenantId] = useState(tenants[0].id);
  const [promptId, setPromptId] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const own = prompts.filter((p) => p.tenantId === tenantId);

  async function send() {
    const history: Turn[] = [...turns, { role: 'user', content: draft }];
    setTurns([...history, { role: 'assistant', content: '' }]);
    setDraft('');
    setBusy(true);
    setError(null);
    const started = performance.now();
    let firstAt: number | null = null;
    let content = '';
    try {
      const res = await fetch('/playground/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tenantId,
          model,
          ...(promptId ? { prompt_id: promptId } : {}),
          messages: history.map(({ role, content }) => ({ role, content })),
          max_tokens: MAX_TOKENS,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      if (!res.ok || !res.body) throw new Error((await res.json().catch(() => null))?.error?.message ?? `status ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } } | null = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split('\n\n');
        buffer = events.pop()!;
        for (const event of events) {
          const data = event.replace(/^data: /, '');
          if (data === '[DONE]' || !data.startsWith('{')) continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          const delta = chunk.choices?.[0]?.delta?.content;
          if (delta) {
            firstAt ??= performance.now();
            content += delta;
            setTurns([...history, { role: 'assistant', content }]);
          }
          if (chunk.usage) usage = chunk.usage;
        }
      }
      const ended = performance.now();
      const stats = usage && {
        ttftMs: (firstAt ?? ended) - started,
        tokensPerSecond: firstAt !== null && usage.completion_tokens > 1 ? (usage.completion_tokens - 1) / ((ended - firstAt) / 1000) : null,
        promptTokens: usage.prompt_tokens,
        cachedTokens: usage.prompt_tokens_details.cached_tokens,
        completionTokens: usage.completion_tokens,
      };
      setTurns([...history, { role: 'assistant', content, stats: stats ?? undefined }]);
    } catch (err) {
      setError((err as Error).message);
      setTurns(history);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="playground">
      <div className="filter">
        <label>
          Tenant{' '}
          <select
            value={tenantId}
            onChange={(e) => {
              setTenantId(e.target.value);
              setPromptId('');
              setTurns([]);
            }}
          >
            <TenantOptions tenants={tenants} />
          </select>
        </label>
        <label>
          Prompt{' '}
          <select value={promptId} onChange={(e) => setPromptId(e.target.value)}>
            <option value="">(none)</option>
            {own.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} (v{p.version})
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setTurns([])} disabled={busy}>
          New chat
        </button>
      </div>
      <ol className="chat" data-testid="chat">
        {turns.map((t, i) => (
          <li key={i} className={t.role}>
            <strong>{t.role}</strong>
            <p>{t.content}</p>
            {t.stats && (
              <p className="reply-stats" data-testid="reply-stats">
                TTFT {formatMs(t.stats.ttftMs)} · {t.stats.tokensPerSecond === null ? '–' : `${t.stats.tokensPerSecond.toFixed(1)} tokens/s`} ·{' '}
                {formatCount(t.stats.cachedTokens)} of {formatCount(t.stats.promptTokens)} prompt tokens cached · {formatCount(t.stats.completionTokens)} tokens
              </p>
            )}
          </li>
        ))}
      </ol>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim() && !busy) void send();
        }}
      >
        <label htmlFor="message">Message</label>
        <textarea id="message" value={draft} onChange={(e) => setDraft(e.target.value)} rows={3} />
        <button type="submit" disabled={busy || !draft.trim()}>
          {busy ? 'Streaming…' : 'Send'}
        </button>
      </form>
      <p className="hint">Replies are at most {MAX_TOKENS} tokens. TTFT is measured in this browser, from sending to the first streamed text.</p>
    </div>
  );
}

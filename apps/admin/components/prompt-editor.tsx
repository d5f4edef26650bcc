'use client';
// The prompt's content with a live analysis from the API's dry run (debounced): the token count,
// how the text falls into chunks, which of the current version's chunks stay reused, a warning
// when an edit lands early and breaks reuse after it, and text that changes per request.
import { useEffect, useState } from 'react';
import type { PromptDryRun } from '@chunkserve/contracts';

import { formatCount } from '../lib/format';

const DEBOUNCE_MS = 300;
const MAX_CHUNKS_SHOWN = 200;

export function PromptEditor({ initial, promptId }: { initial: string; promptId?: string }) {
  const [content, setContent] = useState(initial);
  const [analysis, setAnalysis] = useState<PromptDryRun | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!content.trim()) {
      setAnalysis(null);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch('/prompts/dry-run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content, promptId }), signal: abort.signal });
        const body = await res.json();
        if (!res.ok) throw new Error(body.error?.message ?? `status ${res.status}`);
        setAnalysis(body);
        setError(null);
      } catch (err) {
        if (!abort.signal.aborted) setError((err as Error).message);
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [content, promptId]);

  return (
    <div className="editor">
      <label htmlFor="content">Content</label>
      <textarea id="content" name="content" value={content} onChange={(e) => setContent(e.target.value)} rows={12} required />
      {error && (
        <p className="error" role="alert">
          Analysis unavailable: {error}
        </p>
      )}
      {analysis && <Analysis analysis={analysis} isNew={!promptId} />}
    </div>
  );
}

function Analysis({ analysis: a, isNew }: { analysis: PromptDryRun; isNew: boolean }) {
  const full = Math.floor(a.tokens / a.chunkSize);
  const lost = a.currentChunks > 0 ? a.currentChunks - a.reusedChunks : 0;
  return (
    <div aria-live="polite">
      <p data-testid="token-count">
        {formatCount(a.tokens)} tokens · {formatCount(a.chunks.length)} chunks of {a.chunkSize} ({full} full)
        {!isNew && ` · reuses ${a.reusedChunks} of the current version's ${a.currentChunks} chunks`}
      </p>
      {a.breaksReuse && (
        <p className="warning" role="alert" data-testid="reuse-warning">
          This edit changes token {formatCount(a.firstChangedToken!)} (character {formatCount(a.firstChangedOffset!)}), in chunk {a.firstChangedChunk}: the{' '}
          {lost} chunks from there on are computed again and stop matching requests cached under the current version. Edits near the end keep
          more of the prefix shared.
        </p>
      )}
      {a.dynamicText.length > 0 && (
        <div className="warning" role="alert" data-testid="dynamic-warning">
          Text that looks like it changes per request sits inside the shared prefix; each new value starts a new branch from its chunk on. Move
          it into the user message:
          <ul>
            {a.dynamicText.map((d) => (
              <li key={d.offset}>
                {d.kind} <code>{d.text}</code> at character {d.offset}, chunk {d.chunk}
              </li>
            ))}
          </ul>
        </div>
      )}
      <details data-testid="chunk-view">
        <summary>How the text falls into chunks (green: reused from the current version)</summary>
        <ol className="chunks" start={0}>
          {a.chunks.slice(0, MAX_CHUNKS_SHOWN).map((c) => (
            <li key={c.index} className={c.reused ? 'reused' : c.index === a.firstChangedChunk ? 'changed' : ''}>
              <span className="chunk-label">
                #{c.index} · {c.tokens} tokens{c.reused ? ' · reused' : ''}
              </span>
              <pre>{c.text}</pre>
            </li>
          ))}
        </ol>
        {a.chunks.length > MAX_CHUNKS_SHOWN && <p>… {a.chunks.length - MAX_CHUNKS_SHOWN} more chunks</p>}
      </details>
    </div>
  );
}

import Link from 'next/link';

import { AutoRefresh } from '../../../components/auto-refresh';
import { ConfirmButton } from '../../../components/confirm-button';
import { CopyButton } from '../../../components/copy-button';
import { ErrorBanner } from '../../../components/error-banner';
import { PromptEditor } from '../../../components/prompt-editor';
import { VersionDiff } from '../../../components/version-diff';
import { fetchPrompt } from '../../../lib/api';
import { formatCount, formatMs, formatPercent, formatTime } from '../../../lib/format';
import { deletePromptAction, restorePromptAction, updatePromptAction } from '../actions';

export const metadata = { title: 'Prompt · ChunkServe admin' };

function VersionSelect({ label, name, versions, selected }: { label: string; name: string; versions: { version: number }[]; selected: number }) {
  return (
    <label>
      {label}{' '}
      <select name={name} defaultValue={selected}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
}

export default async function PromptPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ error?: string; saved?: string; a?: string; b?: string }>;
}) {
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const prompt = await fetchPrompt(id);
  const versions = [...prompt.versions].reverse();
  const pick = (v: string | undefined, fallback: number) => prompt.versions.find((x) => x.version === Number(v)) ?? prompt.versions.find((x) => x.version === fallback)!;
  const diffFrom = pick(query.a, Math.max(1, prompt.version - 1));
  const diffTo = pick(query.b, prompt.version);
  return (
    <section>
      <h1>
        Prompt <span data-testid="prompt-name">{prompt.name}</span>
      </h1>
      <AutoRefresh when={prompt.status === ('warming' as string)} />
      <ErrorBanner error={query.error} />
      {query.saved && (
        <p className="ok" role="status" data-testid="saved">
          Saved as version {query.saved}.
        </p>
      )}
      <dl className="facts">
        <dt>Tenant</dt>
        <dd>
          <Link href={`/tenants/${prompt.tenantId}`}>{prompt.tenantName}</Link>
        </dd>
        <dt>prompt_id</dt>
        <dd>
          <code data-testid="prompt-id">{prompt.id}</code> <CopyButton text={prompt.id} label="Copy prompt_id" />
        </dd>
        <dt>Status</dt>
        <dd data-testid="prompt-status">{prompt.status}</dd>
        <dt>Current version</dt>
        <dd data-testid="prompt-version">v{prompt.version}</dd>
        <dt>Pinned</dt>
        <dd data-testid="prompt-pinned">
          {formatCount(prompt.tokens)} tokens in {formatCount(Math.ceil(prompt.tokens / prompt.chunkSize))} chunks ({formatCount(prompt.cachedTokens)} tokens resident)
        </dd>
      </dl>

      <h2>Edit</h2>
      <form action={updatePromptAction} className="prompt-form">
        <input type="hidden" name="id" value={prompt.id} />
        <PromptEditor initial={prompt.content} promptId={prompt.id} />
        <button type="submit">Save as a new version</button>
      </form>

      <h2>Versions</h2>
      <table data-testid="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Created</th>
            <th>Status</th>
            <th className="num">Tokens</th>
            <th className="num">Requests</th>
            <th className="num">Hit rate</th>
            <th className="num">Mean TTFT</th>
            <th className="num">p95 TTFT</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{formatTime(v.createdAt)}</td>
              <td>{v.status}</td>
              <td className="num">{formatCount(v.tokens)}</td>
              <td className="num">{formatCount(v.requests)}</td>
              <td className="num">{v.hitRate === null ? '–' : formatPercent(v.hitRate)}</td>
              <td className="num">{v.meanTtftMs === null ? '–' : formatMs(v.meanTtftMs)}</td>
              <td className="num">{v.p95TtftMs === null ? '–' : formatMs(v.p95TtftMs)}</td>
              <td>
                {v.version !== prompt.version && (
                  <form action={restorePromptAction}>
                    <input type="hidden" name="id" value={prompt.id} />
                    <input type="hidden" name="version" value={v.version} />
                    <button type="submit" aria-label={`Restore v${v.version}`}>
                      Restore
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">Requests are counted for the version that was current when they finished.</p>

      <h2>Compare versions</h2>
      <form method="get" className="filter">
        <VersionSelect label="From" name="a" versions={prompt.versions} selected={diffFrom.version} />
        <VersionSelect label="To" name="b" versions={prompt.versions} selected={diffTo.version} />
        <button type="submit">Compare</button>
      </form>
      <VersionDiff from={diffFrom} to={diffTo} />

      <h2>Delete</h2>
      <ConfirmButton label="Delete prompt" title={`Delete ${prompt.name}?`} action={deletePromptAction} fields={{ id: prompt.id }}>
        <p>
          All {prompt.versions.length} versions are deleted and its chunks unpinned; requests naming this prompt_id are refused from then on. Its usage history stays.
        </p>
      </ConfirmButton>
    </section>
  );
}

// A word diff between two versions' contents (server-rendered).
import { diffWordsWithSpace } from 'diff';

export function VersionDiff({ from, to }: { from: { version: number; content: string }; to: { version: number; content: string } }) {
  const parts = diffWordsWithSpace(from.content, to.content);
  return (
    <figure className="diff" data-testid="diff">
      <figcaption>
        v{from.version} → v{to.version}: <del>removed</del> and <ins>added</ins> text
      </figcaption>
      <pre>
        {parts.map((p, i) => (p.added ? <ins key={i}>{p.value}</ins> : p.removed ? <del key={i}>{p.value}</del> : <span key={i}>{p.value}</span>))}
      </pre>
    </figure>
  );
}

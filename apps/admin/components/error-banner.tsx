/** The API's refusal of the last action, if any (from ?error=). */
export function ErrorBanner({ error }: { error?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" data-testid="action-error">
      {error}
    </p>
  );
}

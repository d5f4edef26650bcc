// What the api_keys trigger notifies (migration 1767484800000-credential-change-notify): every
// replica LISTENs on this channel and checks again, at once, the keys of its open WebSockets that
// the change names, so a revoked key or a deleted tenant stops its running generations everywhere.

/** The LISTEN/NOTIFY channel of credential withdrawals. */
export const CREDENTIAL_CHANGES_CHANNEL = 'chunkserve_credentials';

/** A notification's JSON payload: a key revoked, or deleted (with its tenant, by cascade). */
export interface CredentialChange {
  op: 'revoke' | 'delete';
  tenant_id: string;
  key_id: string;
}

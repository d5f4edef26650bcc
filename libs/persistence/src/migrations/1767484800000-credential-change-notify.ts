import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replicas learn that a key stopped working through Postgres LISTEN/NOTIFY, as they learn of prompt
 * writes: a row trigger on api_keys calls pg_notify on the channel `chunkserve_credentials`
 * (CREDENTIAL_CHANGES_CHANNEL) with {"op", "tenant_id", "key_id"} when a key is revoked or its row
 * deleted. Deleting a tenant cascades to its keys, and row triggers fire for cascaded deletes, so
 * one trigger covers both. Notifications are delivered at commit, to every listening session.
 * Nothing else notifies (last_used_at is written at most once a minute per key and changes no
 * one's access).
 */
export class CredentialChangeNotify1767484800000 implements MigrationInterface {
  name = 'CredentialChangeNotify1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION chunkserve_notify_credential_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('chunkserve_credentials', json_build_object(
          'op', CASE TG_OP WHEN 'DELETE' THEN 'delete' ELSE 'revoke' END,
          'tenant_id', OLD.tenant_id,
          'key_id', OLD.id)::text);
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER api_keys_notify_revoke AFTER UPDATE ON api_keys
        FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
        EXECUTE FUNCTION chunkserve_notify_credential_change()`);
    await q.query(`
      CREATE TRIGGER api_keys_notify_delete AFTER DELETE ON api_keys
        FOR EACH ROW EXECUTE FUNCTION chunkserve_notify_credential_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER api_keys_notify_delete ON api_keys`);
    await q.query(`DROP TRIGGER api_keys_notify_revoke ON api_keys`);
    await q.query(`DROP FUNCTION chunkserve_notify_credential_change()`);
  }
}

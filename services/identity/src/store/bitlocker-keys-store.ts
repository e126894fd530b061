/**
 * Escrowed BitLocker recovery keys: one row per key protector id and tenant. The recovery
 * password is stored sealed with identity's secret box; the store never sees it in clear.
 * Kept apart from IdentityStore so the directory store stays narrow.
 */
import type { Kysely, Migration } from 'kysely';
import type { BitLockerRecoveryKeysTable, IdentityDatabase } from './schema.js';

export interface BitLockerKeyRecord {
  tenantId: string;
  /** The key protector id (GUID, lower case): Graph's `id`. */
  id: string;
  deviceObjectId: string;
  /** The device's Entra device id: Graph's `deviceId`. */
  deviceId: string;
  volumeType: string;
  sealedKey: string;
  createdAt: string;
}

export interface BitLockerKeyStore {
  /** Adds the key unless the tenant holds one with its id already; answers whether it added it. */
  insertIfAbsent(record: BitLockerKeyRecord): Promise<boolean>;
  find(tenantId: string, id: string): Promise<BitLockerKeyRecord | undefined>;
  /** By id (the paging order); `deviceId` narrows to one device. */
  list(tenantId: string, options: { deviceId?: string; afterId?: string; limit: number }): Promise<BitLockerKeyRecord[]>;
}

export const bitLockerKeysMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bitlocker_recovery_keys')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('device_object_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('volume_type', 'text', (c) => c.notNull())
      .addColumn('sealed_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('bitlocker_recovery_keys_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema.createIndex('bitlocker_recovery_keys_by_device').on('bitlocker_recovery_keys').columns(['tenant_id', 'device_id', 'id']).execute();
  },
};

function recordOf(row: BitLockerRecoveryKeysTable): BitLockerKeyRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    deviceObjectId: row.device_object_id,
    deviceId: row.device_id,
    volumeType: row.volume_type,
    sealedKey: row.sealed_key,
    createdAt: row.created_at,
  };
}

export class KyselyBitLockerKeyStore implements BitLockerKeyStore {
  constructor(private readonly db: Kysely<IdentityDatabase>) {}

  async insertIfAbsent(r: BitLockerKeyRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('bitlocker_recovery_keys')
      .values({
        tenant_id: r.tenantId,
        id: r.id,
        device_object_id: r.deviceObjectId,
        device_id: r.deviceId,
        volume_type: r.volumeType,
        sealed_key: r.sealedKey,
        created_at: r.createdAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async find(tenantId: string, id: string): Promise<BitLockerKeyRecord | undefined> {
    const row = await this.db.selectFrom('bitlocker_recovery_keys').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? recordOf(row) : undefined;
  }

  async list(tenantId: string, options: { deviceId?: string; afterId?: string; limit: number }): Promise<BitLockerKeyRecord[]> {
    let query = this.db.selectFrom('bitlocker_recovery_keys').selectAll().where('tenant_id', '=', tenantId);
    if (options.deviceId !== undefined) query = query.where('device_id', '=', options.deviceId);
    if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
    const rows = await query.orderBy('id').limit(options.limit).execute();
    return rows.map(recordOf);
  }
}

/** SigninStore on Kysely; the same queries run on SQLite and PostgreSQL. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CodeRecord, CodeStatus, FamilyRecord, LockoutRecord, SigninStore, TotpRecord } from './signin-store.js';

interface SigninCodesTable {
  code_hash: string;
  kind: string;
  tenant_id: string;
  client_id: string;
  scope: string;
  redirect_uri: string | null;
  code_challenge: string | null;
  nonce: string | null;
  user_code: string | null;
  user_id: string | null;
  amr: string;
  auth_time: string | null;
  status: string;
  family_id: string | null;
  poll_interval: number;
  last_polled_at: string | null;
  expires_at: string;
  created_at: string;
}

interface TotpMethodsTable {
  tenant_id: string;
  user_id: string;
  id: string;
  secret: string;
  display_name: string;
  confirmed: number;
  recovery_codes: string;
  last_step: number;
  created_at: string;
}

export interface SigninDatabase {
  redirect_uris: { tenant_id: string; app_id: string; uri: string };
  signin_codes: SigninCodesTable;
  totp_methods: TotpMethodsTable;
  signin_lockouts: { tenant_id: string; user_id: string; failures: number; locked_until: string | null };
  refresh_families: { family_id: string; amr: string; auth_time: string };
  client_keys: { tenant_id: string; app_id: string; kid: string; jwk: string };
  client_assertions: { jti_hash: string; expires_at: string };
}

function codeOf(row: Selectable<SigninCodesTable>): CodeRecord {
  return {
    codeHash: row.code_hash,
    kind: row.kind as CodeRecord['kind'],
    tenantId: row.tenant_id,
    clientId: row.client_id,
    scope: row.scope,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    nonce: row.nonce,
    userCode: row.user_code,
    userId: row.user_id,
    amr: JSON.parse(row.amr) as string[],
    authTime: row.auth_time,
    status: row.status as CodeStatus,
    familyId: row.family_id,
    interval: Number(row.poll_interval),
    lastPolledAt: row.last_polled_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

function totpOf(row: Selectable<TotpMethodsTable>): TotpRecord {
  return {
    tenantId: row.tenant_id,
    userId: row.user_id,
    id: row.id,
    secret: row.secret,
    displayName: row.display_name,
    confirmed: Number(row.confirmed) !== 0,
    recoveryCodes: JSON.parse(row.recovery_codes) as string[],
    lastStep: Number(row.last_step),
    createdAt: row.created_at,
  };
}

export class KyselySigninStore implements SigninStore {
  constructor(private readonly db: Kysely<SigninDatabase> | Transaction<SigninDatabase>) {}

  /** Runs fn in a transaction: this store's own, or the one it is already bound to. */
  private inTransaction<T>(fn: (trx: Transaction<SigninDatabase>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db as Transaction<SigninDatabase>);
    return (this.db as Kysely<SigninDatabase>).transaction().execute(fn);
  }

  async addRedirectUri(tenantId: string, appId: string, uri: string): Promise<void> {
    await this.db
      .insertInto('redirect_uris')
      .values({ tenant_id: tenantId, app_id: appId, uri })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async redirectUris(tenantId: string, appId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('redirect_uris').select('uri').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
    return rows.map((r) => r.uri);
  }

  async replaceRedirectUris(tenantId: string, appId: string, uris: readonly string[]): Promise<void> {
    await this.inTransaction(async (tx) => {
      await tx.deleteFrom('redirect_uris').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
      if (uris.length > 0) {
        await tx
          .insertInto('redirect_uris')
          .values([...new Set(uris)].map((uri) => ({ tenant_id: tenantId, app_id: appId, uri })))
          .execute();
      }
    });
  }

  async insertCode(code: CodeRecord): Promise<void> {
    await this.db
      .insertInto('signin_codes')
      .values({
        code_hash: code.codeHash,
        kind: code.kind,
        tenant_id: code.tenantId,
        client_id: code.clientId,
        scope: code.scope,
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        nonce: code.nonce,
        user_code: code.userCode,
        user_id: code.userId,
        amr: JSON.stringify(code.amr),
        auth_time: code.authTime,
        status: code.status,
        family_id: code.familyId,
        poll_interval: code.interval,
        last_polled_at: code.lastPolledAt,
        expires_at: code.expiresAt,
        created_at: code.createdAt,
      })
      .execute();
  }

  async findCode(codeHash: string): Promise<CodeRecord | undefined> {
    const row = await this.db.selectFrom('signin_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return row ? codeOf(row) : undefined;
  }

  async findCodeByUserCode(tenantId: string, userCode: string): Promise<CodeRecord | undefined> {
    const row = await this.db
      .selectFrom('signin_codes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_code', '=', userCode)
      .executeTakeFirst();
    return row ? codeOf(row) : undefined;
  }

  async transitionCode(
    codeHash: string,
    from: CodeStatus,
    patch: Partial<Pick<CodeRecord, 'status' | 'userId' | 'amr' | 'authTime' | 'familyId'>>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('signin_codes')
      .set({
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.userId !== undefined ? { user_id: patch.userId } : {}),
        ...(patch.amr !== undefined ? { amr: JSON.stringify(patch.amr) } : {}),
        ...(patch.authTime !== undefined ? { auth_time: patch.authTime } : {}),
        ...(patch.familyId !== undefined ? { family_id: patch.familyId } : {}),
      })
      .where('code_hash', '=', codeHash)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordPoll(codeHash: string, polledAt: string, interval: number): Promise<void> {
    await this.db.updateTable('signin_codes').set({ last_polled_at: polledAt, poll_interval: interval }).where('code_hash', '=', codeHash).execute();
  }

  async findTotp(tenantId: string, userId: string): Promise<TotpRecord | undefined> {
    const row = await this.db.selectFrom('totp_methods').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return row ? totpOf(row) : undefined;
  }

  async upsertTotp(record: TotpRecord): Promise<void> {
    const values = {
      tenant_id: record.tenantId,
      user_id: record.userId,
      id: record.id,
      secret: record.secret,
      display_name: record.displayName,
      confirmed: record.confirmed ? 1 : 0,
      recovery_codes: JSON.stringify(record.recoveryCodes),
      last_step: record.lastStep,
      created_at: record.createdAt,
    };
    await this.db
      .insertInto('totp_methods')
      .values(values)
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet(values))
      .execute();
  }

  async advanceTotpStep(tenantId: string, userId: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('totp_methods')
      .set({ last_step: step })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('last_step', '<', step)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async useRecoveryCode(tenantId: string, userId: string, digest: string): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      const store = new KyselySigninStore(trx);
      const record = await store.findTotp(tenantId, userId);
      if (!record || !record.recoveryCodes.includes(digest)) return false;
      const remaining = JSON.stringify(record.recoveryCodes.filter((c) => c !== digest));
      // Compare-and-set on the old list: two concurrent uses of one code cannot both win.
      const result = await trx
        .updateTable('totp_methods')
        .set({ recovery_codes: remaining })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('recovery_codes', '=', JSON.stringify(record.recoveryCodes))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  async confirmTotp(tenantId: string, userId: string): Promise<void> {
    await this.db.updateTable('totp_methods').set({ confirmed: 1 }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  }

  async deleteTotp(tenantId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('totp_methods').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  }

  async lockout(tenantId: string, userId: string): Promise<LockoutRecord> {
    const row = await this.db
      .selectFrom('signin_lockouts')
      .select(['failures', 'locked_until'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return { failures: Number(row?.failures ?? 0), lockedUntil: row?.locked_until ?? null };
  }

  async recordFailure(tenantId: string, userId: string, lockAfter: number, lockedUntil: string): Promise<LockoutRecord> {
    return this.inTransaction(async (trx) => {
      await trx
        .insertInto('signin_lockouts')
        .values({ tenant_id: tenantId, user_id: userId, failures: 0, locked_until: null })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
        .execute();
      const current = await new KyselySigninStore(trx).lockout(tenantId, userId);
      const failures = current.failures + 1;
      const locked = failures >= lockAfter ? lockedUntil : current.lockedUntil;
      // A lock ends the series: the next lock needs another lockAfter failures.
      await trx
        .updateTable('signin_lockouts')
        .set({ failures: failures >= lockAfter ? 0 : failures, locked_until: locked })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
      return { failures, lockedUntil: locked };
    });
  }

  async clearFailures(tenantId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('signin_lockouts').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  }

  async addClientKey(tenantId: string, appId: string, kid: string, jwk: string): Promise<void> {
    await this.db
      .insertInto('client_keys')
      .values({ tenant_id: tenantId, app_id: appId, kid, jwk })
      .onConflict((oc) => oc.columns(['tenant_id', 'app_id', 'kid']).doUpdateSet({ jwk }))
      .execute();
  }

  async replaceClientKeys(tenantId: string, appId: string, keys: ReadonlyArray<{ kid: string; jwk: string }>): Promise<void> {
    await this.inTransaction(async (trx) => {
      await trx.deleteFrom('client_keys').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
      if (keys.length > 0) await trx.insertInto('client_keys').values(keys.map((k) => ({ tenant_id: tenantId, app_id: appId, kid: k.kid, jwk: k.jwk }))).execute();
    });
  }

  async deleteClient(tenantId: string, appId: string): Promise<void> {
    await this.inTransaction(async (trx) => {
      await trx.deleteFrom('redirect_uris').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
      await trx.deleteFrom('client_keys').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
    });
  }

  async clientKeys(tenantId: string, appId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('client_keys').select('jwk').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
    return rows.map((r) => r.jwk);
  }

  async useAssertionId(jtiHash: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .insertInto('client_assertions')
      .values({ jti_hash: jtiHash, expires_at: expiresAt })
      .onConflict((oc) => oc.column('jti_hash').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async insertFamily(family: FamilyRecord): Promise<void> {
    await this.db
      .insertInto('refresh_families')
      .values({ family_id: family.familyId, amr: JSON.stringify(family.amr), auth_time: family.authTime })
      .onConflict((oc) => oc.column('family_id').doNothing())
      .execute();
  }

  async findFamily(familyId: string): Promise<FamilyRecord | undefined> {
    const row = await this.db.selectFrom('refresh_families').selectAll().where('family_id', '=', familyId).executeTakeFirst();
    return row ? { familyId: row.family_id, amr: JSON.parse(row.amr) as string[], authTime: row.auth_time } : undefined;
  }
}

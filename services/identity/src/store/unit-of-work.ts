/**
 * Identity keeps its directory (IdentityStore) and its sign-in tables (SigninStore) in one
 * database. A change that touches both (an application with its redirect URIs and keys, a user
 * with their TOTP method) goes through one transaction, so a failure half-way leaves neither
 * half behind.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '@baton/kit';
import { KyselyIdentityStore } from './kysely-store.js';
import { KyselySigninStore, type SigninDatabase } from './kysely-signin-store.js';
import type { IdentityDatabase } from './schema.js';
import type { SigninStore } from './signin-store.js';
import type { IdentityStore } from './store.js';

/** Both of identity's stores, bound to one transaction. */
export interface IdentityWrites {
  store: IdentityStore;
  signin: SigninStore;
}

export type Atomically = <T>(fn: (writes: IdentityWrites) => Promise<T>) => Promise<T>;

export function identityTransactions(db: Kysely<IdentityDatabase>, dialect: Dialect): Atomically {
  return (fn) =>
    db.transaction().execute((trx) =>
      fn({ store: new KyselyIdentityStore(trx, dialect), signin: new KyselySigninStore(trx as unknown as Transaction<SigninDatabase>) }),
    );
}

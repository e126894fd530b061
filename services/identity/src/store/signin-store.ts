/**
 * Storage of interactive sign-in: registered redirect URIs, one-time authorization and
 * device codes, TOTP enrolments, lockout counters and the sign-in facts (amr) of each
 * refresh-token family. Kept apart from IdentityStore so the directory store stays narrow.
 */

export type CodeKind = 'authorization_code' | 'device_code';
/** pending: device code waiting for its user; approved: ready to redeem; redeemed: used once. */
export type CodeStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

export interface CodeRecord {
  /** SHA-256 of the code: a leaked table cannot be replayed. */
  codeHash: string;
  kind: CodeKind;
  tenantId: string;
  clientId: string;
  scope: string;
  /** Authorization code: the exact redirect_uri and the PKCE S256 challenge. */
  redirectUri: string | null;
  codeChallenge: string | null;
  nonce: string | null;
  /** Device code: the code the user types, normalised (upper case, no dash). */
  userCode: string | null;
  userId: string | null;
  amr: string[];
  authTime: string | null;
  status: CodeStatus;
  /** The refresh-token family issued from this code, revoked when the code is replayed. */
  familyId: string | null;
  /** Device code: seconds a client must wait between polls, and when it last polled. */
  interval: number;
  lastPolledAt: string | null;
  expiresAt: string;
  createdAt: string;
}

export interface TotpRecord {
  tenantId: string;
  userId: string;
  id: string;
  /** Sealed base32 secret. */
  secret: string;
  displayName: string;
  confirmed: boolean;
  /** Digests of the recovery codes not used yet. */
  recoveryCodes: string[];
  /** The last accepted time step: a code is accepted once. */
  lastStep: number;
  createdAt: string;
}

export interface LockoutRecord {
  failures: number;
  lockedUntil: string | null;
}

export interface FamilyRecord {
  familyId: string;
  amr: string[];
  authTime: string;
}

export interface SigninStore {
  addRedirectUri(tenantId: string, appId: string, uri: string): Promise<void>;
  redirectUris(tenantId: string, appId: string): Promise<string[]>;
  /** The application's redirect URIs become exactly `uris`, in one transaction. */
  replaceRedirectUris(tenantId: string, appId: string, uris: readonly string[]): Promise<void>;

  insertCode(code: CodeRecord): Promise<void>;
  findCode(codeHash: string): Promise<CodeRecord | undefined>;
  findCodeByUserCode(tenantId: string, userCode: string): Promise<CodeRecord | undefined>;
  /** Moves a code from one status to another; false when it was not in `from` (a race or a replay). */
  transitionCode(codeHash: string, from: CodeStatus, patch: Partial<Pick<CodeRecord, 'status' | 'userId' | 'amr' | 'authTime' | 'familyId'>>): Promise<boolean>;
  recordPoll(codeHash: string, polledAt: string, interval: number): Promise<void>;

  findTotp(tenantId: string, userId: string): Promise<TotpRecord | undefined>;
  upsertTotp(record: TotpRecord): Promise<void>;
  /** Accepts a step only if it is later than the last accepted one (atomic). */
  advanceTotpStep(tenantId: string, userId: string, step: number): Promise<boolean>;
  /** Removes one recovery code digest; false when it was not there. */
  useRecoveryCode(tenantId: string, userId: string, digest: string): Promise<boolean>;
  confirmTotp(tenantId: string, userId: string): Promise<void>;
  deleteTotp(tenantId: string, userId: string): Promise<void>;

  lockout(tenantId: string, userId: string): Promise<LockoutRecord>;
  recordFailure(tenantId: string, userId: string, lockAfter: number, lockedUntil: string): Promise<LockoutRecord>;
  clearFailures(tenantId: string, userId: string): Promise<void>;

  addClientKey(tenantId: string, appId: string, kid: string, jwk: string): Promise<void>;
  /** Sets the client's keys to exactly these, in one transaction (Graph's PATCH of keyCredentials). */
  replaceClientKeys(tenantId: string, appId: string, keys: ReadonlyArray<{ kid: string; jwk: string }>): Promise<void>;
  /** Forgets a deleted application's redirect URIs and keys. */
  deleteClient(tenantId: string, appId: string): Promise<void>;
  /** The client's public JWKs (JSON text). */
  clientKeys(tenantId: string, appId: string): Promise<string[]>;
  /** Records a client assertion's id; false when it was seen before (a replay). */
  useAssertionId(jtiHash: string, expiresAt: string): Promise<boolean>;

  insertFamily(family: FamilyRecord): Promise<void>;
  findFamily(familyId: string): Promise<FamilyRecord | undefined>;
}

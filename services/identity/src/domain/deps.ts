import type { Fetch, SecretBox, ServiceContext } from '@baton/kit';
import type { ConditionalAccessCache } from './conditional-access/index.js';
import type { DirectoryFeed } from './notifications/feed.js';
import type { IdentityStore } from '../store/store.js';
import type { SigninStore } from '../store/signin-store.js';
import type { BitLockerKeyStore } from '../store/bitlocker-keys-store.js';
import type { Atomically } from '../store/unit-of-work.js';
import type { SigninLimits } from './signin-policy.js';
import type { DirectoryCache } from './lookup-cache.js';
import type { EndorsementKeyDirectory } from './endorsement-keys.js';
import type { KeyRing } from './signing-keys.js';
import type { IdentityUrls } from './urls.js';

/** What the domain needs from its host, passed explicitly so tests can build it. */
export interface IdentityDeps {
  store: IdentityStore;
  secrets: SecretBox;
  keys: KeyRing;
  urls: IdentityUrls;
  serviceCredentials: ServiceContext['serviceCredentials'];
  now: () => Date;
  /** Membership engine and change notifications, run inside every directory write. */
  feed: DirectoryFeed;
  /** fetch for calls out to subscribers' notification endpoints. */
  fetch: Fetch;
  /** Interactive sign-in: codes, TOTP, lockout; and its rate limits and policy. */
  signin: SigninStore;
  /** Escrowed BitLocker recovery keys, sealed with `secrets`. */
  bitLockerKeys: BitLockerKeyStore;
  /** One transaction over both stores, for a change that writes to each. */
  atomically: Atomically;
  signinLimits: SigninLimits;
  /** Each tenant's compiled policies, reloaded only after a write (on any replica). */
  conditionalAccess: ConditionalAccessCache;
  /** Seconds-long caches of tenants and client registrations for the token path. */
  directoryCache: DirectoryCache;
  /** Discovery's answer to "whose EK is this?", for TPM attestation; without it attestation is refused. */
  endorsementKeys?: EndorsementKeyDirectory;
}

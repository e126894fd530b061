/**
 * An application's client secrets: several at once, each valid from its start to its end, so an
 * administrator can add a new secret, move the client over, then remove the old one, with no
 * moment when neither works (Graph's addPassword and removePassword).
 */
import type { ClientSecret } from '../store/store.js';
import { nameGuid } from './ids.js';

/** Entra's default lifetime for a secret added without an end date. */
export const DEFAULT_SECRET_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;
/** More than any rotation needs; bounds the row a token request reads. */
export const MAX_SECRETS_PER_APPLICATION = 16;

/** The keyId follows from the digest, so addPassword's answer, later reads and removePassword agree. */
export const secretKeyId = (secret: Pick<ClientSecret, 'digest'>) => nameGuid(`secret:${secret.digest}`);

/** The secret an application is set up with (Baton's own, a registration from configuration): it does not expire. */
export function lastingSecret(digest: string, at: string): ClientSecret {
  return { digest, displayName: null, hint: null, startDateTime: at, endDateTime: null };
}

export type SecretCheck = 'valid' | 'expired' | 'wrong';

/** Whether a presented secret's digest is one of the application's, and in its validity period. */
export function checkSecret(secrets: readonly ClientSecret[], digest: string, now: Date, equal: (a: string, b: string) => boolean): SecretCheck {
  let expired = false;
  for (const secret of secrets) {
    if (!equal(digest, secret.digest)) continue;
    const from = Date.parse(secret.startDateTime);
    const until = secret.endDateTime === null ? Infinity : Date.parse(secret.endDateTime);
    if (now.getTime() >= from && now.getTime() < until) return 'valid';
    expired = true;
  }
  return expired ? 'expired' : 'wrong';
}

/** Graph's passwordCredential, without the secret: that is shown once, by addPassword. */
export function graphPasswordCredential(secret: ClientSecret) {
  return {
    customKeyIdentifier: null,
    displayName: secret.displayName,
    endDateTime: secret.endDateTime,
    hint: secret.hint,
    keyId: secretKeyId(secret),
    secretText: null,
    startDateTime: secret.startDateTime,
  };
}

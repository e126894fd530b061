/**
 * Each tenant signs its tokens with its own ES256 key, stored sealed. Imported keys are
 * cached per tenant: a key never changes once created, so replicas can cache freely.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SecretBox } from '@baton/kit';
import type { TenantRecord } from '../store/store.js';

export interface TenantKey {
  kid: string;
  privateKey: CryptoKey;
  /**
   * The same private key for node's synchronous signer, made from the JWK rather than from the
   * CryptoKey: node deprecates converting a non-extractable CryptoKey (DEP0204).
   */
  signer: KeyObject;
  publicKey: CryptoKey;
  publicJwk: JWK & { kid: string; use: 'sig'; alg: 'ES256' };
}

/** Creates a new sealed ES256 private JWK for a tenant. */
export async function generateSealedSigningKey(secrets: SecretBox): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return secrets.seal(JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint(jwk) }));
}

export class KeyRing {
  private readonly cache = new Map<string, Promise<TenantKey>>();

  constructor(private readonly secrets: SecretBox) {}

  forTenant(tenant: TenantRecord): Promise<TenantKey> {
    let key = this.cache.get(tenant.id);
    if (!key) {
      key = this.load(tenant);
      this.cache.set(tenant.id, key);
      key.catch(() => this.cache.delete(tenant.id));
    }
    return key;
  }

  private async load(tenant: TenantRecord): Promise<TenantKey> {
    const jwk = JSON.parse(this.secrets.openText(tenant.signingKey)) as JWK & { kid: string };
    const { d: _d, ...publicPart } = jwk;
    const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const publicKey = (await importJWK(publicPart, 'ES256')) as CryptoKey;
    return {
      kid: jwk.kid,
      privateKey,
      signer: createPrivateKey({ key: jwk, format: 'jwk' }),
      publicKey,
      publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, use: 'sig', alg: 'ES256' },
    };
  }
}

/**
 * Plays identity for management's tests: an HTTPS server publishing one ES256 key as a
 * tenant JWKS, and a minter for tokens shaped like identity's. Management may not import
 * the identity service, and needs nothing more of it than this.
 */
import { randomUUID } from 'node:crypto';
import { createApp, createHttpsFetch, ensureLocalTls, type Fetch } from '@baton/kit';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface FakeIdentity {
  url: string;
  tenantId: string;
  caPem: string;
  serverKeyPem: string;
  serverCertPem: string;
  fetch: Fetch;
  /** Signs a token with identity's key; `tid` defaults to the fake tenant. */
  mint(claims: JWTPayload & { aud: string }, options?: { expiresInSeconds?: number }): Promise<string>;
  /** Signs with a key identity never published. */
  mintForeign(claims: JWTPayload & { aud: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeIdentity(dataDir: string): Promise<FakeIdentity> {
  const tls = await ensureLocalTls(dataDir);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const tenantId = randomUUID();

  const app = createApp({ https: { key: tls.key, cert: tls.cert } });
  app.get('/:tenant/discovery/v2.0/keys', async () => ({ keys: [jwk] }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `https://localhost:${port}`;
  const fetch = createHttpsFetch({ caPem: tls.caPem });

  const sign = (key: CryptoKey, claims: JWTPayload & { aud: string }, expiresInSeconds = 3600) => {
    const tid = typeof claims.tid === 'string' ? claims.tid : tenantId;
    return new SignJWT({ ver: '2.0', ...claims, tid })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(`${url}/${tid}/v2.0`)
      .setIssuedAt()
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(key);
  };

  return {
    url,
    tenantId,
    caPem: tls.caPem,
    serverKeyPem: tls.key,
    serverCertPem: tls.cert,
    fetch,
    mint: (claims, options) => sign(privateKey, claims, options?.expiresInSeconds),
    mintForeign: (claims) => sign(foreign.privateKey, claims),
    async close() {
      await fetch.close();
      await app.close();
    },
  };
}

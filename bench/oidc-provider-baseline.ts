/**
 * A plain oidc-provider instance for baselines: one issuer, one confidential client with
 * client_credentials, ES256 JWT access tokens, the in-memory adapter, served over HTTPS
 * with the certificate Baton uses. Minimal configuration, as its README shows.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface PlainProvider {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startPlainProvider(tls: { key: string; cert: string }): Promise<PlainProvider> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const clientId = 'bench-client';
  const clientSecret = 'bench-client-secret-0123456789';
  const server = createServer({ key: tls.key, cert: tls.cert });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: clientId, client_secret: clientSecret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: 'ES256' },
    ],
    jwks: { keys: [jwk] },
    ttl: { ClientCredentials: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'https://graph.microsoft.com',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  });
  server.on('request', provider.callback());
  return {
    tokenUrl: `${issuer}/token`,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * MS-DVRJ device joins over HTTPS (user token check, PKCS#10 verification, a device
 * certificate from the tenant's device CA, the device object and its membership and
 * notification work in one transaction), beside the signing floor measured in the same
 * run: the same CSR verification and certificate issuance in process, with no HTTP and
 * no store.
 *
 *   node --import tsx bench/join.ts [--joins 600] [--concurrency 8]
 */
import { webcrypto } from 'node:crypto';
import { DRS_RESOURCE, DEVICE_AGENT_CLIENT_ID, JOIN_CSR_COMMON_NAME, SERVICE_NAMES } from '@baton/contracts';
import { createHttpsFetch, generateCertificateAuthority, loadConfig, signPublicKey, verifyCsr, x509 } from '@baton/kit';
import { seedDemo, startBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { deviceCertificateExtensions } from '../services/identity/src/domain/device-certificates.js';
import { arg, benchDataDir, load, report } from './support.js';

const joins = arg('joins', 600);
const concurrency = arg('concurrency', 8);
const crypto = webcrypto as unknown as Crypto;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

// Key generation is the device's work, not the service's: done before the clock starts,
// a few keys shared round robin (each join still makes a new device object).
const csrs: string[] = [];
for (let i = 0; i < 16; i++) {
  const keys = (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${JOIN_CSR_COMMON_NAME}`, keys, signingAlgorithm: RSA });
  csrs.push(Buffer.from(csr.rawData).toString('base64'));
}

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
const tokenResponse = await fetch(`${demo.authority}/oauth2/v2.0/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: demo.user.upn, password: demo.user.password, scope: `${DRS_RESOURCE}/.default` }).toString(),
});
const { access_token: userToken } = (await tokenResponse.json()) as { access_token: string };
const joinUrl = `${baton.url}/enterpriseregistration/${demo.tenantId}/EnrollmentServer/device/?api-version=2.0`;

const joined = await load(joins, concurrency, async (i) => {
  const res = await fetch(joinUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      CertificateRequest: { Type: 'pkcs10', Data: csrs[i % csrs.length] },
      TransportKey: Buffer.from(`RSA1-transport-${i}`).toString('base64'),
      TargetDomain: demo.domain,
      DeviceType: 'Windows',
      OSVersion: '10.0.22631.4460',
      DeviceDisplayName: `BENCH-${i}`,
      JoinType: 0,
    }),
  });
  await res.arrayBuffer();
  return res.status === 200;
});
await fetch.close();
await baton.close();

const ca = await generateCertificateAuthority({ commonName: 'MS-Organization-Access', validityDays: 30, algorithm: 'RSA' });
const tenantId = '11111111-2222-3333-4444-555555555555';
const floor = await load(joins, concurrency, async (i) => {
  const csr = await verifyCsr(csrs[i % csrs.length]!, 2048);
  await signPublicKey(ca, csr.publicKey, {
    commonName: tenantId,
    validityDays: 3650,
    usage: 'client',
    customExtensions: deviceCertificateExtensions({ deviceId: tenantId, tenantId, userObjectId: tenantId, joined: true }),
  });
  return true;
});

report(`device join (MS-DVRJ): ${joins} joins, concurrency ${concurrency}, SQLite, client in the same process`, [
  ['join over HTTPS (new device object each)', joined],
  ['baseline: CSR verify + certificate signing', floor],
]);

/**
 * MS-MDE2 enrollments per second against management: per device, Discover, GetPolicies and
 * RequestSecurityToken with its own device token and a fresh PKCS#10, the answer being a
 * provisioning document with a newly signed MDM certificate. Management signs one RSA-2048
 * certificate per enrollment, so the floor beside it, measured in the same run at the same
 * concurrency, is (a) bare RSA-2048 PKCS#1 v1.5 signatures with WebCrypto and (b) issuing a
 * client certificate with management's own CA and no HTTP around it.
 *
 * Not measured: what identity does to mint the device tokens (minted before the run with
 * an in-process ES256 key whose JWKS management reads through its fetch), and the device's
 * RSA key generation: the CSRs are built before the run over a small pool of keys, each
 * with its own subject and signature.
 *
 *   node --import tsx bench/enrollment.ts [--enrollments 1000] [--concurrency 16] [--keys 8]
 *   (BATON_DATABASE_URL=postgres://… runs management on PostgreSQL)
 */
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { Agent, request } from 'undici';
import { MANAGEMENT_PATHS, MDM_RESOURCE } from '@baton/contracts';
import { dropPostgresSchema, ensureLocalTls, loadConfig, signPublicKey, x509, type Fetch } from '@baton/kit';
import { buildManagementApp } from '@baton/management';
import {
  buildDiscoverRequest,
  buildGetPoliciesRequest,
  buildRequestSecurityToken,
  parseRequestSecurityTokenResponse,
  SOAP_CONTENT_TYPE,
  TOKEN,
} from '@baton/protocols';
import { arg, benchDataDir, load, report } from './support.js';

const enrollments = arg('enrollments', 1000);
const concurrency = arg('concurrency', 16);
const keyPool = arg('keys', 8);

const crypto = webcrypto as unknown as Crypto;
const IDENTITY_URL = 'https://identity.bench.invalid';
const tenantId = randomUUID();

// Identity's signing key, served to management's token verifier without a network hop.
const signing = await generateKeyPair('ES256');
const kid = randomUUID();
const jwks = { keys: [{ ...(await exportJWK(signing.publicKey)), kid, alg: 'ES256', use: 'sig' }] };
const jwksFetch = (async (url: string | URL) => {
  if (!String(url).endsWith('/discovery/v2.0/keys')) throw new Error(`unexpected call to ${String(url)}`);
  return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } });
}) as unknown as Fetch;

const dataDir = benchDataDir();
const tls = await ensureLocalTls(dataDir);
const databaseUrl = process.env.BATON_DATABASE_URL;
const ctx = {
  config: loadConfig({}, { dataDir, logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : {}) }),
  urls: { discovery: 'https://discovery.invalid', identity: IDENTITY_URL, management: '' },
  fetch: jwksFetch,
  logger: pino({ level: 'silent' }),
  secretKey: randomBytes(32),
  serviceCredentials: {
    discovery: { clientId: 'discovery', clientSecret: 'x' },
    identity: { clientId: 'identity', clientSecret: 'x' },
    management: { clientId: 'management', clientSecret: 'x' },
  },
  ...(databaseUrl ? { schema: `bench_${randomBytes(4).toString('hex')}` } : {}),
};
const management = await buildManagementApp(ctx, { https: { key: tls.key, cert: tls.cert } });
await management.app.listen({ port: 0, host: '127.0.0.1' });
const origin = `https://localhost:${(management.app.server.address() as { port: number }).port}`;
ctx.urls.management = origin;
const authority = await management.deps.authority();

// Everything a device brings, prepared before the clock starts.
const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const prepStarted = performance.now();
const keys = await Promise.all(Array.from({ length: keyPool }, () => crypto.subtle.generateKey(rsa, true, ['sign', 'verify']) as Promise<CryptoKeyPair>));
interface Device {
  deviceId: string;
  token: string;
  csrBase64: string;
}
const devices: Device[] = [];
for (let i = 0; i < enrollments; i++) {
  const deviceId = randomBytes(16).toString('hex').toUpperCase();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${deviceId}`, keys: keys[i % keyPool]!, signingAlgorithm: rsa });
  const token = await new SignJWT({ ver: '2.0', tid: tenantId, aud: MDM_RESOURCE, oid: randomUUID(), upn: `bench${i}@bench.invalid`, deviceid: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(`${IDENTITY_URL}/${tenantId}/v2.0`)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(signing.privateKey);
  devices.push({ deviceId, token, csrBase64: Buffer.from(csr.rawData).toString('base64') });
}
const prepSeconds = (performance.now() - prepStarted) / 1000;

const agent = new Agent({ connect: { ca: tls.caPem }, connections: concurrency });
async function soap(path: string, body: string): Promise<{ status: number; text: string }> {
  const res = await request(`${origin}${path}`, { method: 'POST', dispatcher: agent, headers: { 'content-type': SOAP_CONTENT_TYPE }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

async function enroll(d: Device): Promise<boolean> {
  const security = { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(d.token).toString('base64') };
  const discover = await soap(
    MANAGEMENT_PATHS.discovery,
    buildDiscoverRequest({
      messageId: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
      emailAddress: 'bench@bench.invalid',
      requestVersion: '5.0',
      deviceType: 'CIMClient_Windows',
      applicationVersion: '10.0.26200.9278',
      osEdition: '4',
      authPolicies: ['OnPremise', 'Federated'],
    }),
  );
  if (discover.status !== 200) return false;
  const policies = await soap(MANAGEMENT_PATHS.policy, buildGetPoliciesRequest({ messageId: `urn:uuid:${randomUUID()}`, binarySecurityToken: security }));
  if (policies.status !== 200) return false;
  const rst = await soap(
    MANAGEMENT_PATHS.enrollment,
    buildRequestSecurityToken({
      messageId: `urn:uuid:${randomUUID()}`,
      to: `${origin}${MANAGEMENT_PATHS.enrollment}`,
      headerToken: { valueType: TOKEN.jwt, value: security.value },
      csrBase64: d.csrBase64,
      additionalContext: [
        ['UXInitiated', 'false'],
        ['HWDevID', randomBytes(32).toString('hex').toUpperCase()],
        ['Locale', 'en-US'],
        ['TargetedUserLoggedIn', 'true'],
        ['OSEdition', '4'],
        ['DeviceName', `BENCH-${d.deviceId.slice(0, 8)}`],
        ['MAC', '00-15-5D-00-00-01'],
        ['DeviceID', d.deviceId],
        ['EnrollmentType', 'Full'],
        ['DeviceType', 'CIMClient_Windows'],
        ['OSVersion', '10.0.26200.9278'],
        ['ApplicationVersion', '10.0.26200.9278'],
      ],
    }),
  );
  if (rst.status !== 200) return false;
  return parseRequestSecurityTokenResponse(rst.text).provisioningDocXml.includes('<characteristic');
}

const enrolled = await load(enrollments, concurrency, (i) => enroll(devices[i]!));

// Floors, same run, same concurrency.
const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decode(authority.keyPem)[0]!, rsa, false, ['sign']).catch(() => undefined);
const floorKey = caKey ?? (await crypto.subtle.generateKey(rsa, false, ['sign', 'verify']) as CryptoKeyPair).privateKey;
const tbs = randomBytes(1200);
const rawSign = await load(enrollments, concurrency, async () => (await crypto.subtle.sign(rsa, floorKey, tbs)).byteLength === 256);
const issue = await load(enrollments, concurrency, async (i) =>
  (await signPublicKey(authority, keys[i % keyPool]!.publicKey, { commonName: devices[i]!.deviceId, validityDays: 365, usage: 'client' })).length > 0,
);

await agent.close();
await management.close();
if (databaseUrl && ctx.schema) await dropPostgresSchema(databaseUrl, ctx.schema);

console.log(
  `\nsetup: ${keyPool} RSA-2048 device keys, ${enrollments} CSRs and device tokens prepared in ${prepSeconds.toFixed(1)} s (not measured); store ${databaseUrl ? 'PostgreSQL' : 'SQLite'}; MDM CA key ${caKey ? 'RSA-2048' : 'not RSA (floor uses a fresh RSA-2048 key)'}`,
);
report(`MS-MDE2 enrollments/s: ${enrollments} enrollments, concurrency ${concurrency}, keep-alive HTTPS, client in the same process`, [
  ['management: Discover + GetPolicies + RST', enrolled],
  ['floor: RSA-2048 sign (WebCrypto), no HTTP', rawSign],
  ['floor: issue MDM client cert with the CA', issue],
]);
console.log(`  (${((enrolled.perSecond / issue.perSecond) * 100).toFixed(0)}% of the certificate-issuing floor; ${(enrolled.perSecond * 3).toFixed(0)} SOAP requests/s)`);

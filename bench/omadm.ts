/**
 * OMA-DM sessions per second against management with N enrolled devices: each polling
 * device's first session (a full mutual-TLS handshake), then later polls with nothing
 * pending (one message per session: package 1 → Statuses, session over), then with one
 * pending Get each (two messages on one connection: package 1 → Get, Status + Results →
 * done). Baseline, same run and same client: a bare Fastify HTTPS endpoint with the same
 * TLS settings that parses the SyncML with @baton/protocols and answers a fixed Status.
 *
 * Every session opens its own TLS connection presenting that device's own MDM client
 * certificate, as a polling device does, so management authenticates each session
 * per device (certificate thumbprint → enrollment, Source LocURI must match). Each device
 * keeps its own TLS session cache, as Windows' WinHTTP does, so polls after the first one
 * resume the TLS session (no certificate exchange, no signatures) and the server still
 * reads the device's certificate from the resumed session. The
 * certificates all carry one shared RSA key: generating 100,000 RSA keys would take longer
 * than the benchmark, and the server's work (chain check, thumbprint lookup) is the same as
 * with distinct keys. Signing still costs ~7 ms a certificate here, so only the devices that
 * poll during the run (--sessions, default 2,000) get one; the other enrollments are real
 * rows with certificate thumbprints of their own, there to size the tables and indexes.
 *
 *   node --import tsx bench/omadm.ts [--devices 100000] [--polling 2000] [--sessions 6000] [--concurrency 32]
 *   (--polling devices get a certificate and poll; --sessions resumed sessions per phase)
 *   (BATON_DATABASE_URL=postgres://… runs management on PostgreSQL)
 */
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import Fastify from 'fastify';
import { Client } from 'undici';
import pino from 'pino';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { ensureLocalTls, loadConfig, resumingConnector, signPublicKey, thumbprint, tlsResumptionOptions, TlsSessionCache, x509, type Fetch } from '@baton/kit';
import { buildManagementApp, type Enrollment } from '@baton/management';
import { buildSyncML, parseSyncML, SYNCML_CONTENT_TYPE } from '@baton/protocols';
import { arg, benchDataDir, load, report, type LoadResult } from './support.js';

const deviceCount = arg('devices', 100_000);
const sessions = arg('sessions', 6000);
const concurrency = arg('concurrency', 32);

const dataDir = benchDataDir();
const tls = await ensureLocalTls(dataDir);
const ctx = {
  config: loadConfig({}, { dataDir, logLevel: 'silent', ...(process.env.BATON_DATABASE_URL ? { databaseUrl: process.env.BATON_DATABASE_URL } : {}) }),
  urls: { discovery: 'https://discovery.invalid', identity: 'https://identity.invalid', management: '' },
  fetch: (() => Promise.reject(new Error('no calls to other services in this benchmark'))) as unknown as Fetch,
  logger: pino({ level: 'silent' }),
  secretKey: randomBytes(32),
  serviceCredentials: {
    discovery: { clientId: 'discovery', clientSecret: 'x' },
    identity: { clientId: 'identity', clientSecret: 'x' },
    management: { clientId: 'management', clientSecret: 'x' },
  },
  ...(process.env.BATON_DATABASE_URL ? { schema: `bench_${randomBytes(4).toString('hex')}` } : {}),
};
// As `baton up` serves: client certificate requested, tickets sealed with the secret key.
const https = { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(ctx.secretKey) };
const management = await buildManagementApp(ctx, { https });
await management.app.listen({ port: 0, host: '127.0.0.1' });
const mgmtUrl = `https://localhost:${(management.app.server.address() as { port: number }).port}`;
ctx.urls.management = mgmtUrl;
const serverUrl = `${mgmtUrl}${MANAGEMENT_PATHS.omadm}`;

// One client key, one certificate per device.
const crypto = webcrypto as unknown as Crypto;
const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
const authority = await management.deps.authority();
const tenantId = randomUUID();
const setupStarted = performance.now();
const devices: Array<{ deviceId: string; certPem: string; enrollmentId: string; session: number; tlsSessions: TlsSessionCache; secureContext?: SecureContext }> = [];
const enrollments: Enrollment[] = [];
// WebCrypto signs on libuv's thread pool: keep a batch in flight.
const SIGN_BATCH = 256;
const certs: string[] = [];
const deviceIds = Array.from({ length: deviceCount }, () => randomBytes(16).toString('hex').toUpperCase());
const polling = Math.min(arg('polling', 2000), deviceCount);
for (let i = 0; i < polling; i += SIGN_BATCH) {
  certs.push(
    ...(await Promise.all(
      deviceIds.slice(i, Math.min(i + SIGN_BATCH, polling)).map((commonName) => signPublicKey(authority, keys.publicKey, { commonName, validityDays: 30, usage: 'client' })),
    )),
  );
}
for (let i = 0; i < deviceCount; i++) {
  const deviceId = deviceIds[i]!;
  const certPem = certs[i] ?? '';
  const id = randomUUID();
  devices.push({ deviceId, certPem, enrollmentId: id, session: 0, tlsSessions: new TlsSessionCache() });
  enrollments.push({
    id,
    tenantId,
    azureAdDeviceId: randomUUID(),
    userId: null,
    upn: null,
    mdmDeviceId: deviceId,
    hwDevId: null,
    deviceName: `BENCH-${i}`,
    osVersion: '10.0.26200.9278',
    enrollmentType: 'Full',
    certThumbprint: certPem ? thumbprint(certPem) : randomBytes(20).toString('hex').toUpperCase(),
    certPem,
    enrolledAt: new Date().toISOString(),
    lastSyncAt: null,
    managementState: 'managed',
    inventory: {},
  });
}
const signedAt = performance.now();
for (let i = 0; i < enrollments.length; i += 5000) await management.deps.store.insertEnrollments(enrollments.slice(i, i + 5000));
const setupSeconds = (performance.now() - setupStarted) / 1000;
const insertSeconds = (performance.now() - signedAt) / 1000;

function package1(deviceId: string, sessionId: string): string {
  const item = (node: string, data: string) => `<Item><Source><LocURI>./DevInfo/${node}</LocURI></Source><Data>${data}</Data></Item>`;
  return (
    `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${sessionId}</SessionID><MsgID>1</MsgID>` +
    `<Target><LocURI>${serverUrl}</LocURI></Target><Source><LocURI>${deviceId}</LocURI></Source></SyncHdr><SyncBody>` +
    '<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>' +
    '<Alert><CmdID>3</CmdID><Data>1224</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta><Data>user</Data></Item></Alert>' +
    `<Replace><CmdID>4</CmdID>${item('DevId', deviceId)}${item('Man', 'Contoso')}${item('Mod', 'Virtual Machine')}${item('DmV', '1.3')}${item('Lang', 'en-US')}</Replace>` +
    '<Final/></SyncBody></SyncML>'
  );
}

function answer(deviceId: string, sessionId: string, replyXml: string): string | undefined {
  const reply = parseSyncML(replyXml);
  const get = reply.commands.find((c) => c.kind === 'Get');
  if (!get) return undefined;
  return (
    `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${sessionId}</SessionID><MsgID>2</MsgID>` +
    `<Target><LocURI>${serverUrl}</LocURI></Target><Source><LocURI>${deviceId}</LocURI></Source></SyncHdr><SyncBody>` +
    `<Status><CmdID>1</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>` +
    `<Status><CmdID>2</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>${get.cmdId}</CmdRef><Cmd>Get</Cmd><Data>200</Data></Status>` +
    `<Results><CmdID>3</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>${get.cmdId}</CmdRef><Item><Source><LocURI>./DevDetail/SwV</LocURI></Source><Data>10.0.26200.9278</Data></Item></Results>` +
    '<Final/></SyncBody></SyncML>'
  );
}

let resumed = 0;
let connections = 0;

/**
 * One DM session of device `k` against `origin`: a new TLS connection with its certificate,
 * resuming the device's last TLS session with that origin when it has one.
 */
async function session(origin: string, k: number, expectGet: boolean): Promise<boolean> {
  const d = devices[k]!;
  const sessionId = (++d.session).toString(16).toUpperCase();
  // Built once per device, as a client process keeps its credentials loaded.
  d.secureContext ??= createSecureContext({ ca: tls.caPem, cert: d.certPem, key: keyPem });
  const connector = resumingConnector({ secureContext: d.secureContext, servername: 'localhost' }, d.tlsSessions);
  // By address: a name lookup per connection would be the client's cost, not the server's.
  const client = new Client(origin.replace('//localhost:', '//127.0.0.1:'), {
    connect: (options, callback) =>
      connector(options, (err, socket) => {
        if (socket) {
          connections++;
          if ((socket as TLSSocket).isSessionReused()) resumed++;
        }
        (callback as (e: Error | null, s: unknown) => void)(err, socket);
      }),
  });
  try {
    const post = async (body: string) => {
      const res = await client.request({ method: 'POST', path: MANAGEMENT_PATHS.omadm, headers: { 'content-type': SYNCML_CONTENT_TYPE }, body });
      return { status: res.statusCode, body: await res.body.text() };
    };
    const first = await post(package1(d.deviceId, sessionId));
    if (first.status !== 200 || !first.body.includes('<Data>200</Data>')) return false;
    if (!expectGet) return true;
    const second = answer(d.deviceId, sessionId, first.body);
    if (!second) return false;
    return (await post(second)).status === 200;
  } finally {
    await client.close();
  }
}

/** Runs a phase and notes the share of its connections that resumed a TLS session. */
async function phase(total: number, fn: (i: number) => Promise<boolean>): Promise<LoadResult & { resumedShare: number; cpuMs: number }> {
  resumed = 0;
  connections = 0;
  const cpu = process.cpuUsage();
  const result = await load(total, concurrency, fn);
  const used = process.cpuUsage(cpu);
  // CPU time of this process (client and server) per session: unlike the rate, it does not
  // drop when other processes take the machine's cores.
  return { ...result, resumedShare: connections === 0 ? 0 : resumed / connections, cpuMs: (used.user + used.system) / 1000 / total };
}

const first = await phase(polling, (i) => session(mgmtUrl, i, false));
const idle = await phase(sessions, (i) => session(mgmtUrl, i % polling, false));

// One pending Get per device: one command row per batch, fanned out to the batch's queues.
const ids = devices.map((d) => d.enrollmentId);
for (let i = 0; i < ids.length; i += 500) {
  await management.deps.store.enqueueCommand({ verb: 'Get', locUri: './DevDetail/SwV' }, ids.slice(i, i + 500));
}
const pending = await phase(polling, (i) => session(mgmtUrl, i, true));
const leftOver = (await management.deps.store.countOutstanding(devices[0]!.enrollmentId)).queued;

// Baseline: same TLS, same client, parse the same SyncML, fixed answer.
const fixed = buildSyncML({
  header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: 'device', source: serverUrl },
  commands: [
    { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
    { kind: 'Get', cmdId: '2', items: [{ target: './DevDetail/SwV' }] },
  ],
  final: true,
});
const bare = Fastify({ https, bodyLimit: 600 * 1024 });
bare.addContentTypeParser(SYNCML_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => done(null, body));
bare.post(MANAGEMENT_PATHS.omadm, async (req, reply) => {
  parseSyncML(req.body as string);
  return reply.type(SYNCML_CONTENT_TYPE).send(fixed);
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `https://localhost:${(bare.server.address() as { port: number }).port}`;
const baseFirst = await phase(polling, (i) => session(bareUrl, i, false));
const baseIdle = await phase(sessions, (i) => session(bareUrl, i % polling, false));
const basePending = await phase(polling, (i) => session(bareUrl, i, true));

await bare.close();
await management.close();

const perMessage = (r: LoadResult, messages: number) => `${(r.perSecond * messages).toFixed(0)} messages/s`;
const share = (r: { resumedShare: number }) => `${Math.round(r.resumedShare * 100)}% resumed`;
console.log(
  `\nsetup: ${deviceCount} enrollments, ${polling} with a signed certificate (${((signedAt - setupStarted) / 1000).toFixed(1)} s signing, ${insertSeconds.toFixed(1)} s bulk insert; ${setupSeconds.toFixed(1)} s total), store ${process.env.BATON_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`,
);
report(`OMA-DM sessions/s: ${deviceCount} enrolled devices, ${polling} polling, concurrency ${concurrency}, new mutual-TLS connection per session, client in the same process`, [
  [`management, first session (full handshake; ${share(first)})`, first],
  [`baseline: bare Fastify, first session (${share(baseFirst)})`, baseFirst],
  [`management, nothing pending (${share(idle)})`, idle],
  [`baseline: bare Fastify, nothing pending (${share(baseIdle)})`, baseIdle],
  [`management, one pending Get, 2 messages (${share(pending)})`, pending],
  [`baseline: bare Fastify, same 2 messages (${share(basePending)})`, basePending],
]);
console.log(`  (${perMessage(pending, 2)} for management with a pending command; first device still queued after run: ${leftOver})`);
const cores = 2;
console.log(`\nCPU per session, client and server together (one process), and the rate ${cores} cores would give if nothing else ran:`);
for (const [name, r] of [
  ['management, first session', first],
  ['baseline, first session', baseFirst],
  ['management, nothing pending', idle],
  ['baseline, nothing pending', baseIdle],
  ['management, one pending Get', pending],
  ['baseline, one pending Get', basePending],
] as const) {
  console.log(`  ${name.padEnd(32)} ${r.cpuMs.toFixed(2).padStart(7)} ms CPU/session  → ${((cores * 1000) / r.cpuMs).toFixed(0).padStart(6)} sessions/s on ${cores} cores`);
}
console.log(`  (load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')})`);

/**
 * OMA-DM sessions per second against management with N enrolled devices: each polling
 * device's first session (a full mutual-TLS handshake), then later polls with nothing
 * pending (one message per session: package 1 → Statuses, session over), then with one
 * pending Get each (two messages on one connection: package 1 → Get, Status + Results →
 * done). Baseline, same run and same client: a bare Fastify HTTPS endpoint with the same
 * TLS settings that parses the SyncML with @baton/protocols and answers a fixed Status.
 *
 * The server runs in a child process of its own (management in one, the bare baseline in
 * another) and the simulated devices in this one, so the server's CPU per session is read
 * from the child (process.cpuUsage over IPC, before and after each phase) apart from the
 * client's. Server capacity is what the machine's cores would serve at that CPU cost.
 *
 * Every session opens its own TLS connection presenting that device's own MDM client
 * certificate, as a polling device does, so management authenticates each session
 * per device (certificate thumbprint → enrollment, Source LocURI must match). Each device
 * keeps its credentials loaded (one TLS secure context per device, as WinHTTP keeps its
 * certificate) and its own TLS session, so polls after the first one resume it (no
 * certificate exchange, no signatures) and the server still reads the device's certificate
 * from the resumed session. The certificates all carry one shared RSA key: generating
 * 100,000 RSA keys would take longer than the benchmark, and the server's work (chain check,
 * thumbprint lookup) is the same as with distinct keys. Only the devices that poll during the
 * run (--polling) get a certificate; the other enrollments are real rows with certificate
 * thumbprints of their own, there to size the tables and indexes.
 *
 * A last nothing-pending phase runs two management instances over the same store, devices
 * split between them as a load balancer keeping a device to one instance would: one Node
 * process serves from one core, so the two cores' capacity takes two processes.
 *
 *   node --import tsx bench/omadm.ts [--devices 100000] [--polling 2000] [--sessions 6000] [--concurrency 32] [--profile]
 *   (--sessions resumed sessions in the nothing-pending phase; --profile writes a CPU profile
 *   of management's process over that phase; BATON_DATABASE_URL=postgres://… runs management on PostgreSQL)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import pino from 'pino';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { ensureLocalTls, loadConfig, signPublicKey, thumbprint, tlsResumptionOptions, x509, type Fetch } from '@baton/kit';
import { buildManagementApp, type Enrollment } from '@baton/management';
import { buildSyncML, parseSyncML, SYNCML_CONTENT_TYPE } from '@baton/protocols';
import { arg, benchDataDir, load, report, type LoadResult } from './support.js';

/** What a server child answers on IPC: one request, one reply with the same id. */
type Request = { id: number; op: string; args?: unknown };
type Handlers = Record<string, (args: unknown) => Promise<unknown> | unknown>;

function serveIpc(handlers: Handlers): void {
  process.on('message', (m: Request) => {
    void (async () => {
      try {
        process.send!({ id: m.id, result: await handlers[m.op]!(m.args) });
      } catch (error) {
        process.send!({ id: m.id, error: String(error) });
      }
    })();
  });
}

/** The CPU profiler of this process, started and stopped over IPC around one phase. */
function profilerHandlers(): Handlers {
  const inspector = new InspectorSession();
  inspector.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => inspector.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  return {
    'profile-start': async () => {
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    'profile-stop': async (file) => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file as string, JSON.stringify(profile));
    },
  };
}

const cpuHandler = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Where a management instance keeps its state; a second instance is given the first one's. */
interface InstanceStore {
  dataDir: string;
  schema?: string;
  secretKey: string;
  /** The public URL devices address, shared by every instance as behind one load balancer. */
  publicUrl?: string;
}

/** One management instance listening on its own port over `store`. */
async function startManagement(store: InstanceStore) {
  const tls = await ensureLocalTls(store.dataDir);
  const ctx = {
    config: loadConfig({}, { dataDir: store.dataDir, logLevel: 'silent', ...(process.env.BATON_DATABASE_URL ? { databaseUrl: process.env.BATON_DATABASE_URL } : {}) }),
    urls: { discovery: 'https://discovery.invalid', identity: 'https://identity.invalid', management: store.publicUrl ?? '' },
    fetch: (() => Promise.reject(new Error('no calls to other services in this benchmark'))) as unknown as Fetch,
    logger: pino({ level: 'silent' }),
    secretKey: Buffer.from(store.secretKey, 'hex'),
    serviceCredentials: {
      discovery: { clientId: 'discovery', clientSecret: 'x' },
      identity: { clientId: 'identity', clientSecret: 'x' },
      management: { clientId: 'management', clientSecret: 'x' },
    },
    ...(store.schema ? { schema: store.schema } : {}),
  };
  // As `baton up` serves: client certificate requested, tickets sealed with the secret key.
  const https = { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(ctx.secretKey) };
  const management = await buildManagementApp(ctx, { https });
  await management.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `https://localhost:${(management.app.server.address() as { port: number }).port}`;
  if (!store.publicUrl) ctx.urls.management = url;
  return { management, url, tls, ctx };
}

/** Child: a second management instance over the first one's store, enrollments and CA. */
async function serveReplica(): Promise<void> {
  let instance: Awaited<ReturnType<typeof startManagement>> | undefined;
  serveIpc({
    cpu: cpuHandler,
    listen: async (args) => {
      instance = await startManagement(args as InstanceStore);
      return instance.url;
    },
    stop: async () => {
      await instance?.management.close();
      setImmediate(() => process.exit(0));
    },
  });
  process.send!({ ready: true });
}

/** Child: management with `devices` enrollments, certificates for the first `polling` of them. */
async function serveManagement(): Promise<void> {
  const deviceCount = arg('devices', 100_000);
  const polling = Math.min(arg('polling', 2000), deviceCount);
  const store: InstanceStore = {
    dataDir: benchDataDir(),
    secretKey: randomBytes(32).toString('hex'),
    ...(process.env.BATON_DATABASE_URL ? { schema: `bench_${randomBytes(4).toString('hex')}` } : {}),
  };
  const { management, url, tls, ctx } = await startManagement(store);

  // One client key, one certificate per polling device.
  const crypto = webcrypto as unknown as Crypto;
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const authority = await management.deps.authority();
  const setupStarted = performance.now();
  const deviceIds = Array.from({ length: deviceCount }, () => randomBytes(16).toString('hex').toUpperCase());
  // WebCrypto signs on libuv's thread pool: keep a batch in flight.
  const SIGN_BATCH = 256;
  const certs: string[] = [];
  for (let i = 0; i < polling; i += SIGN_BATCH) {
    const batch = deviceIds.slice(i, Math.min(i + SIGN_BATCH, polling));
    certs.push(...(await Promise.all(batch.map((commonName) => signPublicKey(authority, keys.publicKey, { commonName, validityDays: 30, usage: 'client' })))));
  }
  const signedAt = performance.now();
  const tenantId = randomUUID();
  const enrollments: Enrollment[] = deviceIds.map((deviceId, i) => ({
    id: randomUUID(),
    tenantId,
    azureAdDeviceId: randomUUID(),
    userId: null,
    upn: null,
    mdmDeviceId: deviceId,
    hwDevId: null,
    deviceName: `BENCH-${i}`,
    osVersion: '10.0.26200.9278',
    enrollmentType: 'Full',
    certThumbprint: certs[i] ? thumbprint(certs[i]) : randomBytes(20).toString('hex').toUpperCase(),
    certPem: certs[i] ?? '',
    enrolledAt: new Date().toISOString(),
    lastSyncAt: null,
    managementState: 'managed',
    inventory: {},
  }));
  for (let i = 0; i < enrollments.length; i += 5000) await management.deps.store.insertEnrollments(enrollments.slice(i, i + 5000));
  const setup = `${deviceCount} enrollments, ${polling} with a signed certificate (${((signedAt - setupStarted) / 1000).toFixed(1)} s signing, ${((performance.now() - signedAt) / 1000).toFixed(1)} s bulk insert), store ${process.env.BATON_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`;

  serveIpc({
    ...profilerHandlers(),
    cpu: cpuHandler,
    /** One pending Get per device: one command row per batch, fanned out to the batch's queues. */
    enqueueGets: async () => {
      for (let i = 0; i < enrollments.length; i += 500) {
        await management.deps.store.enqueueCommand({ verb: 'Get', locUri: './DevDetail/SwV' }, enrollments.slice(i, i + 500).map((e) => e.id));
      }
    },
    queuedOfFirst: async () => (await management.deps.store.countOutstanding(enrollments[0]!.id)).queued,
    stop: async () => {
      await management.close();
      setImmediate(() => process.exit(0));
    },
  });
  process.send!({
    ready: {
      url,
      setup,
      store: { ...store, publicUrl: url },
      caPem: tls.caPem,
      keyPem,
      // The bare baseline serves with the same certificate and ticket keys.
      https: { key: tls.key.toString(), cert: tls.cert.toString(), secretKey: ctx.secretKey.toString('hex') },
      devices: enrollments.slice(0, polling).map((e) => ({ deviceId: e.mdmDeviceId, certPem: e.certPem })),
    },
  });
}

/** Child: the bare baseline, parsing the SyncML and answering a fixed Status + Get. */
async function serveBare(): Promise<void> {
  serveIpc({
    ...profilerHandlers(),
    cpu: cpuHandler,
    listen: async (args) => {
      const { key, cert, secretKey, serverUrl } = args as { key: string; cert: string; secretKey: string; serverUrl: string };
      const fixed = buildSyncML({
        header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: 'device', source: serverUrl },
        commands: [
          { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
          { kind: 'Get', cmdId: '2', items: [{ target: './DevDetail/SwV' }] },
        ],
        final: true,
      });
      const https = { key, cert, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(Buffer.from(secretKey, 'hex')) };
      const bare = Fastify({ https, bodyLimit: 600 * 1024 });
      bare.addContentTypeParser(SYNCML_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => done(null, body));
      bare.post(MANAGEMENT_PATHS.omadm, async (req, reply) => {
        parseSyncML(req.body as string);
        return reply.type(SYNCML_CONTENT_TYPE).send(fixed);
      });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      return `https://localhost:${(bare.server.address() as { port: number }).port}`;
    },
    stop: () => setImmediate(() => process.exit(0)),
  });
  process.send!({ ready: true });
}

/** A server child and a typed way to call it. */
class Server {
  private next = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly ready: Promise<unknown>;

  constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (m: { ready?: unknown; id?: number; result?: unknown; error?: string }) => {
        if (m.ready !== undefined) return resolve(m.ready);
        const w = this.waiting.get(m.id!);
        this.waiting.delete(m.id!);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve(m.result);
      });
      child.on('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
  }

  static start(role: string): Server {
    const self = fileURLToPath(import.meta.url);
    return new Server(fork(self, ['--serve', role, ...process.argv.slice(2)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
  }

  call<T>(op: string, args?: unknown): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args });
    });
  }
}

interface Device {
  deviceId: string;
  session: number;
  secureContext: SecureContext;
  /** The last TLS session of this device with each origin, resumed at the next connection. */
  tlsSessions: Map<string, Buffer>;
}

/**
 * One HTTP/1.1 POST on an open connection, and its answer (read up to its Content-Length,
 * which Fastify always sends for a string body). A plain exchange rather than an HTTP client
 * library: the device side's cost would otherwise be most of what the benchmark process does.
 */
function exchange(socket: TLSSocket, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let headerEnd = -1;
    let expected = -1;
    let status = 0;
    const done = (error?: Error) => {
      socket.off('data', onData);
      socket.off('error', done);
      socket.off('end', onEnd);
      if (error) reject(error);
    };
    const onEnd = () => done(new Error('connection closed before the answer was complete'));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (headerEnd < 0) {
        headerEnd = all.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = all.subarray(0, headerEnd).toString('latin1');
        status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length) return done(new Error('answer without Content-Length'));
        expected = headerEnd + 4 + Number(length[1]);
      }
      if (received < expected) return;
      done();
      resolve({ status, body: all.subarray(headerEnd + 4, expected).toString('utf8') });
    };
    socket.on('data', onData);
    socket.on('error', done);
    socket.on('end', onEnd);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${SYNCML_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

/** The client: lean on purpose, so that what it costs does not hide what the server does. */
async function drive(): Promise<void> {
  const sessions = arg('sessions', 6000);
  const concurrency = arg('concurrency', 32);
  const profile = process.argv.includes('--profile');

  const management = Server.start('management');
  const bareServer = Server.start('bare');
  const ready = (await management.ready) as {
    url: string;
    setup: string;
    caPem: string;
    keyPem: string;
    https: { key: string; cert: string; secretKey: string };
    store: InstanceStore;
    devices: Array<{ deviceId: string; certPem: string }>;
  };
  await bareServer.ready;
  const polling = ready.devices.length;
  const path = MANAGEMENT_PATHS.omadm;
  const serverUrl = `${ready.url}${path}`;
  const bareUrl = await bareServer.call<string>('listen', { ...ready.https, serverUrl });
  // Built once per device, as a client process keeps its credentials loaded.
  const devices: Device[] = ready.devices.map((d) => ({
    deviceId: d.deviceId,
    session: 0,
    secureContext: createSecureContext({ ca: ready.caPem, cert: d.certPem, key: ready.keyPem }),
    tlsSessions: new Map(),
  }));

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
   * resuming the device's last TLS session with that origin when it has one, and one or two
   * HTTP/1.1 POSTs on it.
   */
  async function session(origin: string, k: number, expectGet: boolean): Promise<boolean> {
    const d = devices[k]!;
    const sessionId = (++d.session).toString(16).toUpperCase();
    const { port } = new URL(origin);
    const socket = await open(d, origin, Number(port));
    try {
      const first = await exchange(socket, path, package1(d.deviceId, sessionId));
      if (first.status !== 200 || !first.body.includes('<Data>200</Data>')) return false;
      if (!expectGet) return true;
      const second = answer(d.deviceId, sessionId, first.body);
      if (!second) return false;
      return (await exchange(socket, path, second)).status === 200;
    } finally {
      socket.end();
    }
  }

  function open(d: Device, origin: string, port: number): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const saved = d.tlsSessions.get(origin);
      // By address: a name lookup per connection would be the client's cost, not the server's.
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: d.secureContext, ...(saved ? { session: saved } : {}) });
      socket.on('session', (ticket: Buffer) => d.tlsSessions.set(origin, ticket));
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        connections++;
        if (socket.isSessionReused()) resumed++;
        resolve(socket);
      });
    });
  }

  function phase(total: number, fn: (i: number) => Promise<boolean>) {
    return async (server: Server | Server[], name?: string): Promise<LoadResult & { resumedShare: number; serverCpuMs: number; clientCpuMs: number }> => {
      const servers = Array.isArray(server) ? server : [server];
      const serversCpu = async () => (await Promise.all(servers.map((x) => x.call<number>('cpu')))).reduce((a, b) => a + b, 0);
      resumed = 0;
      connections = 0;
      if (name) await servers[0]!.call('profile-start');
      const serverBefore = await serversCpu();
      const clientBefore = process.cpuUsage();
      const result = await load(total, concurrency, fn);
      const client = process.cpuUsage(clientBefore);
      const serverUsed = (await serversCpu()) - serverBefore;
      if (name) {
        await servers[0]!.call('profile-stop', name);
        console.log(`CPU profile of the server over that phase: ${name}`);
      }
      return {
        ...result,
        resumedShare: connections === 0 ? 0 : resumed / connections,
        serverCpuMs: serverUsed / 1000 / total,
        clientCpuMs: (client.user + client.system) / 1000 / total,
      };
    };
  }

  const profileFile = profile ? join(tmpdir(), `omadm-${Date.now()}.cpuprofile`) : undefined;
  const first = await phase(polling, (i) => session(ready.url, i, false))(management);
  const idle = await phase(sessions, (i) => session(ready.url, i % polling, false))(management, profileFile);
  await management.call('enqueueGets');
  const pending = await phase(polling, (i) => session(ready.url, i, true))(management);
  const leftOver = await management.call<number>('queuedOfFirst');

  // Two instances over one store, as two processes behind a load balancer would serve: a
  // device keeps to one instance (its TLS session lives there), the second instance's
  // devices resume with it after a first session of their own.
  const replica = Server.start('replica');
  await replica.ready;
  const replicaUrl = await replica.call<string>('listen', ready.store);
  const origins = [ready.url, replicaUrl];
  await phase(polling, (i) => session(origins[i % 2]!, i, false))([management, replica]);
  const twoIdle = await phase(sessions, (i) => session(origins[(i % polling) % 2]!, i % polling, false))([management, replica]);
  await replica.call('stop').catch(() => undefined);

  const baseFirst = await phase(polling, (i) => session(bareUrl, i, false))(bareServer);
  const baseIdle = await phase(sessions, (i) => session(bareUrl, i % polling, false))(bareServer, profileFile?.replace('.cpuprofile', '-bare.cpuprofile'));
  const basePending = await phase(polling, (i) => session(bareUrl, i, true))(bareServer);

  await management.call('stop');
  await bareServer.call('stop').catch(() => undefined);

  const share = (r: { resumedShare: number }) => `${Math.round(r.resumedShare * 100)}% resumed`;
  console.log(`\nsetup: ${ready.setup}`);
  report(`OMA-DM sessions/s: ${ready.devices.length} polling, concurrency ${concurrency}, new mutual-TLS connection per session, server in its own process`, [
    [`management, first session (full handshake; ${share(first)})`, first],
    [`baseline: bare Fastify, first session (${share(baseFirst)})`, baseFirst],
    [`management, nothing pending (${share(idle)})`, idle],
    [`baseline: bare Fastify, nothing pending (${share(baseIdle)})`, baseIdle],
    [`management, two instances, nothing pending (${share(twoIdle)})`, twoIdle],
    [`management, one pending Get, 2 messages (${share(pending)})`, pending],
    [`baseline: bare Fastify, same 2 messages (${share(basePending)})`, basePending],
  ]);
  console.log(`  (first device still queued after the run: ${leftOver})`);
  const cores = availableParallelism();
  console.log(`\nCPU per session, server (its own process) and client, and the server's capacity on this machine's ${cores} cores (cores × 1000 / server CPU ms):`);
  for (const [name, r] of [
    ['management, first session', first],
    ['baseline, first session', baseFirst],
    ['management, nothing pending', idle],
    ['baseline, nothing pending', baseIdle],
    ['management ×2, nothing pending', twoIdle],
    ['management, one pending Get', pending],
    ['baseline, one pending Get', basePending],
  ] as const) {
    console.log(
      `  ${name.padEnd(30)} server ${r.serverCpuMs.toFixed(2).padStart(6)} ms → capacity ${((cores * 1000) / r.serverCpuMs).toFixed(0).padStart(6)} sessions/s   client ${r.clientCpuMs.toFixed(2).padStart(6)} ms   measured ${r.perSecond.toFixed(0).padStart(5)}/s`,
    );
  }
  console.log(`  (load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
}

const role = process.argv.indexOf('--serve');
if (role < 0) await drive();
else if (process.argv[role + 1] === 'bare') await serveBare();
else if (process.argv[role + 1] === 'replica') await serveReplica();
else await serveManagement();

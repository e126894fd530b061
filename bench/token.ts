/**
 * Identity's token endpoint over HTTPS: the password grant (a device's OOBE sign-in,
 * dominated by scrypt) and client credentials (service-to-service, dominated by ES256
 * signing), each beside its floor measured in the same run: scrypt N=16384 through
 * node's thread pool, jose ES256 signing, and a plain oidc-provider instance (minimal
 * configuration, in-memory adapter, ES256 JWT access tokens) over the same TLS
 * certificate with the same client and concurrency.
 *
 *   node --import tsx bench/token.ts [--requests 400] [--concurrency 8]
 */
import { randomBytes, scrypt } from 'node:crypto';
import { loadavg } from 'node:os';
import { SignJWT, generateKeyPair } from 'jose';
import { loadConfig, createHttpsFetch, ensureLocalTls } from '@baton/kit';
import { SERVICE_NAMES, DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, GRAPH_RESOURCE } from '@baton/contracts';
import { seedDemo, startBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { arg, benchDataDir, formPoster, load, report, type LoadResult } from './support.js';
import { startPlainProvider } from './oidc-provider-baseline.js';

const requests = arg('requests', 400);
const concurrency = arg('concurrency', 8);

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
const tokenUrl = `${demo.authority}/oauth2/v2.0/token`;
const post = async (form: Record<string, string>) => {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  await res.arrayBuffer();
  return res.status === 200;
};

const password = await load(requests, concurrency, () =>
  post({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: demo.user.upn, password: demo.user.password, scope: `${DRS_RESOURCE}/.default` }),
);
// Client credentials, Baton against a plain oidc-provider on the same certificate, in
// alternating rounds: on a shared machine the load drifts, and alternation spreads the
// drift over both instead of favouring whichever ran in the quieter minute.
const tls = await ensureLocalTls(dataDir);
const plain = await startPlainProvider(tls);
// Both sides get the same lean keep-alive client (see formPoster): the fetch() wrapper's own
// cost per request would otherwise dominate a client in the same process.
const plainPoster = formPoster(plain.tokenUrl, tls.caPem, concurrency);
const plainForm = new URLSearchParams({ grant_type: 'client_credentials', client_id: plain.clientId, client_secret: plain.clientSecret, scope: 'api' }).toString();
const plainCall = () => plainPoster.post(plainForm);
const batonPoster = formPoster(tokenUrl, baton.caPem, concurrency);
const batonForm = new URLSearchParams({
  grant_type: 'client_credentials',
  client_id: demo.adminApp.clientId,
  client_secret: demo.adminApp.clientSecret,
  scope: `${GRAPH_RESOURCE}/.default`,
}).toString();
const batonCall = () => batonPoster.post(batonForm);
const rounds = arg('rounds', 5);
const batonRounds = [];
const plainRounds = [];
await load(1000, concurrency, batonCall); // warm-up: JIT, key import, TLS sessions
await load(1000, concurrency, plainCall);
// CPU time of the whole process (client and server) per token: unlike the rate, it barely
// moves when other work shares the machine.
const cpu = { baton: 0, plain: 0 };
const timed = async (side: 'baton' | 'plain', call: () => Promise<boolean>) => {
  const before = process.cpuUsage();
  const result = await load(requests, concurrency, call);
  const used = process.cpuUsage(before);
  cpu[side] += (used.user + used.system) / 1000;
  return result;
};
for (let r = 0; r < rounds; r++) {
  batonRounds.push(await timed('baton', batonCall));
  plainRounds.push(await timed('plain', plainCall));
}
const merge = (results: LoadResult[]): LoadResult => {
  const seconds = results.reduce((sum, x) => sum + x.seconds, 0);
  const total = results.reduce((sum, x) => sum + x.requests, 0);
  const byMedian = (key: 'p50' | 'p99') => results.map((x) => x[key]).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  return { requests: total, seconds, perSecond: total / seconds, p50: byMedian('p50'), p99: byMedian('p99'), errors: results.reduce((n, x) => n + x.errors, 0) };
};
const clientCredentials = merge(batonRounds);
const plainProvider = merge(plainRounds);
await Promise.all([plainPoster.close(), batonPoster.close()]);
await plain.close();
await fetch.close();
await baton.close();


const salt = randomBytes(16);
const scryptFloor = await load(requests, concurrency, () =>
  new Promise<boolean>((resolve, reject) => scrypt('correct horse battery staple', salt, 64, { N: 16384, r: 8, p: 1 }, (e) => (e ? reject(e) : resolve(true)))),
);
const { privateKey } = await generateKeyPair('ES256');
const es256Floor = await load(requests * 5, concurrency, async () => {
  await new SignJWT({ tid: 'x', roles: ['Device.ReadWrite.All'] }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
  return true;
});

report(`token endpoint: concurrency ${concurrency}, SQLite, client in the same process`, [
  ['password grant (scrypt verify + ES256 tokens)', password],
  ['baseline: scrypt N=16384 floor', scryptFloor],
  ['client_credentials grant (ES256 token)', clientCredentials],
  [`baseline: plain oidc-provider client_credentials (Baton at ${(clientCredentials.perSecond / plainProvider.perSecond).toFixed(2)}x)`, plainProvider],
  ['baseline: ES256 sign floor (jose)', es256Floor],
]);
const perToken = (ms: number) => ms / (requests * rounds);
console.log(`  CPU per client_credentials token, client + server in one process: Baton ${perToken(cpu.baton).toFixed(3)} ms, plain oidc-provider ${perToken(cpu.plain).toFixed(3)} ms`);
console.log(`  (load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);

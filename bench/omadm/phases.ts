/**
 * The client process: starts the server children, runs the devices' sessions against them
 * phase by phase, and prints each phase beside its baseline with the CPU it cost each side.
 */
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { arg, load, report, type LoadResult } from '../support.js';
import { Fleet } from './devices.js';
import { Server } from './ipc.js';
import type { ManagementReady } from './management.js';

type PhaseResult = LoadResult & { resumedShare: number; serverCpuMs: number; clientCpuMs: number };

export async function drive(): Promise<void> {
  const sessions = arg('sessions', 6000);
  const concurrency = arg('concurrency', 32);
  const profile = process.argv.includes('--profile');

  const management = Server.start('management');
  const bareServer = Server.start('bare');
  const ready = (await management.ready) as ManagementReady;
  await bareServer.ready;
  const serverUrl = `${ready.url}${MANAGEMENT_PATHS.omadm}`;
  const bareUrl = await bareServer.call<string>('listen', { ...ready.https, serverUrl });
  const fleet = new Fleet(ready.devices, { caPem: ready.caPem, keyPem: ready.keyPem }, serverUrl);
  const polling = fleet.size;

  /** `total` sessions of `fn`, with the server CPU they cost read from `server` before and after (and profiled into `profileFile` when given). */
  function phase(total: number, fn: (i: number) => Promise<boolean>) {
    return async (server: Server | Server[], profileFile?: string): Promise<PhaseResult> => {
      const servers = Array.isArray(server) ? server : [server];
      const serversCpu = async () => (await Promise.all(servers.map((x) => x.call<number>('cpu')))).reduce((a, b) => a + b, 0);
      fleet.resetCounts();
      if (profileFile) await servers[0]!.call('profile-start');
      const serverBefore = await serversCpu();
      const clientBefore = process.cpuUsage();
      const result = await load(total, concurrency, fn);
      const client = process.cpuUsage(clientBefore);
      const serverUsed = (await serversCpu()) - serverBefore;
      if (profileFile) {
        await servers[0]!.call('profile-stop', profileFile);
        console.log(`CPU profile of the server over that phase: ${profileFile}`);
      }
      return {
        ...result,
        resumedShare: fleet.resumedShare,
        serverCpuMs: serverUsed / 1000 / total,
        clientCpuMs: (client.user + client.system) / 1000 / total,
      };
    };
  }

  const profileFile = profile ? join(tmpdir(), `omadm-${Date.now()}.cpuprofile`) : undefined;
  const first = await phase(polling, (i) => fleet.session(ready.url, i, false))(management);
  const idle = await phase(sessions, (i) => fleet.session(ready.url, i % polling, false))(management, profileFile);
  await management.call('enqueueGets');
  const pending = await phase(polling, (i) => fleet.session(ready.url, i, true))(management);
  const leftOver = await management.call<number>('queuedOfFirst');

  // Two instances over one store, as two processes behind a load balancer would serve: a
  // device keeps to one instance (its TLS session lives there), the second instance's
  // devices resume with it after a first session of their own.
  const replica = Server.start('replica');
  await replica.ready;
  const replicaUrl = await replica.call<string>('listen', ready.store);
  const origins = [ready.url, replicaUrl];
  await phase(polling, (i) => fleet.session(origins[i % 2]!, i, false))([management, replica]);
  const twoIdle = await phase(sessions, (i) => fleet.session(origins[(i % polling) % 2]!, i % polling, false))([management, replica]);
  await replica.call('stop').catch(() => undefined);

  const baseFirst = await phase(polling, (i) => fleet.session(bareUrl, i, false))(bareServer);
  const baseIdle = await phase(sessions, (i) => fleet.session(bareUrl, i % polling, false))(bareServer, profileFile?.replace('.cpuprofile', '-bare.cpuprofile'));
  const basePending = await phase(polling, (i) => fleet.session(bareUrl, i, true))(bareServer);

  await management.call('stop');
  await bareServer.call('stop').catch(() => undefined);

  const share = (r: { resumedShare: number }) => `${Math.round(r.resumedShare * 100)}% resumed`;
  console.log(`\nsetup: ${ready.setup}`);
  report(`OMA-DM sessions/s: ${polling} polling, concurrency ${concurrency}, new mutual-TLS connection per session, server in its own process`, [
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

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
 *
 * This file only picks the process's part: the client (omadm/phases.ts, driving the devices
 * of omadm/devices.ts) or, run again by it with `--serve <role>`, a server child
 * (omadm/management.ts, omadm/bare.ts), both ends talking over omadm/ipc.ts.
 */
import { serveBare } from './omadm/bare.js';
import { serveManagement, serveReplica } from './omadm/management.js';
import { drive } from './omadm/phases.js';

const role = process.argv.indexOf('--serve');
if (role < 0) await drive();
else if (process.argv[role + 1] === 'bare') await serveBare();
else if (process.argv[role + 1] === 'replica') await serveReplica();
else await serveManagement();

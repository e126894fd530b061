/** `baton`: run Baton, drive devices through it, and read how it is wired. */
import { Command, Option } from 'commander';
import { up } from './commands/up.js';
import { serve } from './commands/serve.js';
import { routes } from './commands/routes.js';
import { simulate } from './commands/simulate.js';
import { diagnose } from './commands/diagnose.js';
import { hashDecode } from './commands/hash.js';
import { tenantCreate } from './commands/tenant.js';
import { importCsvFile, writeSampleCsv } from './commands/import.js';

const program = new Command()
  .name('baton')
  .description('Baton: self-hosted Windows zero-touch provisioning (discovery → identity → management)')
  .showHelpAfterError();

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('up')
  .description('run discovery, identity and management on one HTTPS origin, with a demo tenant')
  .option('-p, --port <port>', 'HTTPS port (env BATON_PORT, default 8443)')
  .option('-d, --data <dir>', 'data directory (env BATON_DATA_DIR, default ./.baton)')
  .option('--host <address>', 'listen address (env BATON_HOST, default 127.0.0.1)')
  .option('--hostname <name>', 'extra DNS name for the server certificate (repeatable)', collect)
  .action(up);

program
  .command('serve')
  .description('run one service on its own port')
  .argument('<service>', 'discovery, identity or management')
  .option('-p, --port <port>', 'HTTPS port')
  .option('-d, --data <dir>', 'data directory')
  .option('--host <address>', 'listen address')
  .option('--discovery-url <url>', 'discovery public URL (env BATON_DISCOVERY_URL)')
  .option('--identity-url <url>', 'identity public URL (env BATON_IDENTITY_URL)')
  .option('--management-url <url>', 'management public URL (env BATON_MANAGEMENT_URL)')
  .action(serve);

program.command('routes').description('print every endpoint with the service that owns it').option('--json', 'as JSON').action(routes);

program
  .command('simulate')
  .description('take N simulated devices through discovery → identity → management')
  .option('-n, --devices <n>', 'how many devices', '20')
  .option('-c, --concurrency <n>', 'devices in flight at once', '10')
  .option('--seed <n>', 'seed for reproducible device inventories')
  .option('-d, --data <dir>', "the Baton to drive, through its demo.json (default ./.baton)")
  .option('--url <url>', 'or: a Baton base URL (with --tenant, --client-id, --client-secret, --user, --password, --ca)')
  .option('--ca <file>', 'CA certificate to trust')
  .option('--tenant <id>', 'tenant id')
  .option('--client-id <id>', 'admin application client id')
  .option('--client-secret <secret>', 'admin application secret')
  .option('--user <upn>', 'user the devices sign in as')
  .option('--password <password>', "that user's password")
  .option('--group-tag <tag>', 'group tag for the registered devices')
  .option('--faults <rate>', 'share of devices (0 to 1) given a fault from the catalogue, reproducible with --seed')
  .option(
    '--modes <mix>',
    'provisioning modes by share, e.g. userDriven=60,selfDeploying=30,preProvisioned=10 (or user=0.7,self=0.3): self-deploying has no user; pre-provisioned is set up by a technician, resealed, then finished by the user',
  )
  .option('--pace <pace>', 'fast: no device-side waits; real: wait as long as OOBE pages, typing, app installs and reboots take', 'fast')
  .option('--ramp-up <seconds>', 'spread the device starts evenly over this many seconds')
  .addOption(new Option('--no-progress', 'no progress bar'))
  .action(simulate);

program
  .command('diagnose')
  .description('which service broke a device\'s provisioning, in which phase, with which code, and what to do')
  .argument('[device]', 'serial number, ZTDId or Entra device id')
  .option('--summary', "a fleet's outcomes grouped by service and code, every device counted once")
  .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'mermaid']).default('table'))
  .option('--budget <groups>', 'phase budgets in seconds, e.g. discovery=90,identity=120,deviceSetup=3600')
  .option('--since <time>', 'with --summary: only events from this ISO 8601 time on')
  .option('-d, --data <dir>', 'the Baton to read, through its demo.json (default ./.baton)')
  .option('--url <url>', 'or: discovery\'s base URL (with --tenant, --client-id, --client-secret, --ca)')
  .option('--identity-url <url>', "identity's base URL when it runs apart")
  .option('--management-url <url>', "management's base URL when it runs apart (else learnt from identity's join events)")
  .option('--ca <file>', 'CA certificate to trust')
  .option('--tenant <id>', 'tenant id')
  .option('--client-id <id>', 'admin application client id')
  .option('--client-secret <secret>', 'admin application secret')
  .action(diagnose);

program
  .command('import')
  .description('register devices from an Autopilot CSV file (UTF-16, UTF-8 or ANSI, as the Intune portal takes it)')
  .argument('<file.csv>', 'the CSV file: Device Serial Number,Windows Product ID,Hardware Hash[,Group Tag[,Assigned User]]')
  .option('-d, --data <dir>', "the Baton to import into, through its demo.json (default ./.baton)")
  .option('--url <url>', 'or: a Baton base URL (with --tenant, --client-id, --client-secret, --ca)')
  .option('--ca <file>', 'CA certificate to trust')
  .option('--tenant <id>', 'tenant id')
  .option('--client-id <id>', 'admin application client id')
  .option('--client-secret <secret>', 'admin application secret')
  .option('--only-failed', 'list only the rows that were not imported')
  .option('--json', 'print the answer as JSON')
  .option('--write-sample <n>', 'instead of importing, write <n> simulated devices to the file')
  .option('--encoding <encoding>', 'with --write-sample: utf-16le, utf-16be, utf-8-bom, utf-8 or windows-1252', 'utf-16le')
  .action(async (file: string, options: Record<string, string | boolean | undefined>) => {
    if (options.writeSample !== undefined) {
      const n = Number(options.writeSample);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--write-sample must be a whole number from 1 to 100000, got "${String(options.writeSample)}"`);
      return writeSampleCsv(file, n, String(options.encoding));
    }
    return importCsvFile(file, options);
  });

const tenant = program.command('tenant').description('tenants in identity');
tenant
  .command('create')
  .description('create a tenant with an admin user and an admin application (for services run with `baton serve`)')
  .requiredOption('--domain <domain>', "the tenant's verified domain, e.g. contoso.example")
  .requiredOption('--identity-url <url>', "identity's public URL (the authority's base)")
  .requiredOption('--management-url <url>', "management's public URL (named in join answers)")
  .option('--console-url <url>', "the URL of the baton up that serves the web console: registers the console in the tenant and prints its sign-in link")
  .option('--name <name>', 'display name')
  .option('--admin <upn>', 'admin user principal name (default admin@<domain>)')
  .option('--password <password>', 'admin password (default: generated)')
  .option('-d, --data <dir>', "identity's data directory (env BATON_DATA_DIR)")
  .option('--json', 'print JSON')
  .action(tenantCreate);

program
  .command('hash')
  .description('hardware hash tools')
  .command('decode')
  .argument('<base64>', 'an Autopilot 4K hardware hash')
  .description('print the fields inside a hardware hash')
  .action(hashDecode);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`baton: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

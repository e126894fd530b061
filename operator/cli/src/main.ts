/** `baton`: run Baton, drive devices through it, and read how it is wired. */
import { Command, Option } from 'commander';
import { up } from './commands/up.js';
import { serve } from './commands/serve.js';
import { routes } from './commands/routes.js';
import { simulate } from './commands/simulate.js';
import { hashDecode } from './commands/hash.js';

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
  .addOption(new Option('--no-progress', 'no progress bar'))
  .action(simulate);

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

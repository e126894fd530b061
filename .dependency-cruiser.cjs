/**
 * Boundary rules between Baton's parts. test/boundaries.test.ts runs them, so breaking
 * one fails `npm test`:
 * - a service never imports another service (they talk over HTTPS);
 * - shared packages never import a service, the device or the operator tools;
 * - the device speaks only the wire protocols: it imports no service;
 * - the web console imports no service, kit or store, and its bundle no node built-in.
 */
module.exports = {
  forbidden: [
    {
      name: 'service-imports-service',
      comment: 'Services talk over HTTPS with identity-issued tokens, never through imports.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^(services/|@baton/(discovery|identity|management)$)', pathNot: '^(services/$1/|@baton/$1$)' },
    },
    {
      name: 'package-imports-service',
      comment: 'packages/* are shared by every service and must not depend on one.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^((services|device|operator)/|@baton/(discovery|identity|management|device|cli)$)' },
    },
    {
      name: 'device-imports-service',
      comment: 'The device only knows the wire protocols.',
      severity: 'error',
      from: { path: '^device/' },
      to: { path: '^((services|operator)/|@baton/(discovery|identity|management|cli)$)' },
    },
    {
      name: 'console-imports-service-or-store',
      comment: 'The web console owns nothing: it reads and writes through the Graph APIs, never through a service, the kit or a store.',
      severity: 'error',
      from: { path: '^operator/console/src/' },
      to: { path: '^((services|device)/|packages/kit/|operator/cli/|@baton/(discovery|identity|management|kit|device|cli)$)' },
    },
    {
      name: 'browser-code-imports-node',
      comment: "The console's bundle and the diagnosis it shares with the CLI run in a browser: no node built-ins.",
      severity: 'error',
      from: { path: '^(operator/console/src|packages/diagnosis)/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // dist/: the console's built bundle, not source.
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    preserveSymlinks: false,
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
      conditionNames: ['import', 'node', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};

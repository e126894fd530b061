/**
 * The web console on `baton up`'s listener: its bundle is built when missing or stale,
 * then served under /console/ by the host, outside the services. The console signs in as
 * the demo tenant's console application, which exists only once the tenant is seeded.
 */
import { CONSOLE_DIST, ensureConsoleBuilt, registerConsoleRoutes, type ConsoleConfig } from '@baton/console/server';
import type { BatonApp } from '@baton/kit';
import { CONSOLE_SCOPES } from './console-app.js';
import type { DemoInfo } from './demo.js';

export interface MountedConsole {
  mount(app: BatonApp): void;
  setDemo(demo: DemoInfo): void;
  /** What `baton up` prints about the build, once the build has settled. */
  note: Promise<string>;
}

export function consoleConfigOf(demo: DemoInfo): ConsoleConfig | undefined {
  if (!demo.consoleApp) return undefined;
  // The authority is `<identity>/<tenant id>`: identity's base is what precedes the tenant.
  const identity = demo.authority.slice(0, demo.authority.lastIndexOf('/'));
  return { authority: demo.authority, clientId: demo.consoleApp.clientId, identity, scopes: CONSOLE_SCOPES };
}

/**
 * A console that cannot be built is reported, not fatal: the services and their APIs still start.
 * The build runs while the services start: the routes serve whatever bundle `dist/` holds when a
 * request comes (a 503 page until the first build is in), so nothing waits for Vite.
 */
export function mountConsole(): MountedConsole {
  const note = ensureConsoleBuilt().then(
    (build) => (build.built ? `bundle built in ${(build.ms / 1000).toFixed(1)}s` : 'bundle up to date'),
    (error: unknown) => `NOT AVAILABLE, the bundle could not be built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
  );
  let config: ConsoleConfig | undefined;
  return {
    mount: (app) => registerConsoleRoutes(app, { dir: CONSOLE_DIST, config: () => config }),
    setDemo(demo) {
      config = consoleConfigOf(demo);
    },
    note,
  };
}

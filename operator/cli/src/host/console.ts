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
  /** What `baton up` prints about the build. */
  note: string;
}

export function consoleConfigOf(demo: DemoInfo): ConsoleConfig | undefined {
  if (!demo.consoleApp) return undefined;
  return { authority: demo.authority, clientId: demo.consoleApp.clientId, scopes: CONSOLE_SCOPES };
}

/** A console that cannot be built is reported, not fatal: the services and their APIs still start. */
export async function mountConsole(): Promise<MountedConsole> {
  let note: string;
  let dir = CONSOLE_DIST;
  try {
    const build = await ensureConsoleBuilt();
    dir = build.dir;
    note = build.built ? `bundle built in ${(build.ms / 1000).toFixed(1)}s` : 'bundle up to date';
  } catch (error) {
    note = `NOT AVAILABLE, the bundle could not be built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  let config: ConsoleConfig | undefined;
  return {
    mount: (app) => registerConsoleRoutes(app, { dir, config: () => config }),
    setDemo(demo) {
      config = consoleConfigOf(demo);
    },
    note,
  };
}

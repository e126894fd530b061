/**
 * Builds the console's bundle with Vite's JS API when it is missing or older than its
 * sources, so `npm start` serves the console with no extra command and a second start
 * costs nothing. The bundle goes to `dist/` (never committed); a build writes to a fresh
 * directory and swaps it in, so a listener never serves half a build.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CONSOLE_ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');
/** What the bundle is made of: a change to any of these makes the bundle stale. */
const SOURCES = ['src', 'index.html', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry.endsWith('.test.ts') || entry.endsWith('.test.tsx')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when dist/ holds a bundle at least as new as every source file. */
export function consoleBuildIsFresh(root = CONSOLE_ROOT, dist = join(root, 'dist')): boolean {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return SOURCES.every((s) => !existsSync(join(root, s)) || newestMtime(join(root, s)) <= built);
}

export interface ConsoleBuild {
  dir: string;
  /** False when the existing bundle was fresh. */
  built: boolean;
  ms: number;
}

let pending: Promise<ConsoleBuild> | undefined;

/** Builds once per process at most; concurrent callers share the build. */
export function ensureConsoleBuilt(options: { force?: boolean } = {}): Promise<ConsoleBuild> {
  if (!options.force && consoleBuildIsFresh()) return Promise.resolve({ dir: CONSOLE_DIST, built: false, ms: 0 });
  pending ??= buildConsole().finally(() => {
    pending = undefined;
  });
  return pending;
}

async function buildConsole(): Promise<ConsoleBuild> {
  const started = Date.now();
  // Loaded only when a build is needed: Vite is large and a fresh bundle needs none of it.
  const { build } = await import('vite');
  // Under node_modules, which git, the linter, the boundary rules and the test runner skip.
  const staging = join(CONSOLE_ROOT, 'node_modules', '.console-build', String(process.pid));
  rmSync(staging, { recursive: true, force: true });
  await build({
    root: CONSOLE_ROOT,
    base: '/console/',
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: staging,
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      chunkSizeWarningLimit: 2048,
      rollupOptions: {
        // Fluent UI marks its modules 'use client' for React Server Components; a browser bundle has no use for it.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
  // Another process (a second `baton up`, a test run) built the same sources and swapped its
  // bundle in while this one built: keep it, so nothing serving from it sees it vanish.
  if (consoleBuildIsFresh()) {
    rmSync(staging, { recursive: true, force: true });
    return { dir: CONSOLE_DIST, built: true, ms: Date.now() - started };
  }
  try {
    rmSync(CONSOLE_DIST, { recursive: true, force: true });
    renameSync(staging, CONSOLE_DIST);
  } catch (error) {
    // The other process swapped its bundle in between the check above and this swap.
    rmSync(staging, { recursive: true, force: true });
    if (!consoleBuildIsFresh()) throw error;
  }
  return { dir: CONSOLE_DIST, built: true, ms: Date.now() - started };
}

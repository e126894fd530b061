export { ensureConsoleBuilt, consoleBuildIsFresh, CONSOLE_DIST, CONSOLE_ROOT, type ConsoleBuild } from './build.js';
export { registerConsoleRoutes, CONSOLE_PATH, type ConsoleConfig, type ConsoleRouteOptions } from './static.js';
export { CONSOLE_CSP } from './csp.js';

/**
 * Serves the built console under /console/ on the listener the services share. It is the
 * host's route, registered outside every service's scope: the console owns no data, so no
 * service owns it. Hashed assets are cached for a year; index.html (the SPA's every route)
 * is never cached, so a new build is picked up on the next load. /console/config.json tells
 * the bundle which tenant and client to sign in with, which only the running host knows.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

// Any Fastify instance: the host's carries a type provider this file does not need.
type AnyFastify = FastifyInstance<any, any, any, any, any>;
import { contentTypeOf } from './content-types.js';
import { CONSOLE_CSP } from './csp.js';

export interface ConsoleConfig {
  /** `https://<host>/<tenantId>`: identity's authority for the demo tenant. */
  authority: string;
  clientId: string;
  /** Identity's base URL: another tenant's authority is `<identity>/<tenant id or domain>`. */
  identity: string;
  /** Delegated Graph permissions to ask for, in resource form. */
  scopes: string[];
}

export interface ConsoleRouteOptions {
  dir: string;
  /** Read per request: the tenant is seeded after the listener starts. */
  config(): ConsoleConfig | undefined;
}

export const CONSOLE_PATH = '/console/';

export function registerConsoleRoutes(app: AnyFastify, options: ConsoleRouteOptions): void {
  const root = normalize(options.dir + sep);
  const send = (reply: FastifyReply, status: number, type: string, body: string | Buffer, cache: string) =>
    reply.code(status).header('content-type', type).header('cache-control', cache).header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').send(body);
  const index = (reply: FastifyReply) => {
    const file = join(root, 'index.html');
    if (!existsSync(file)) return send(reply, 503, 'text/plain; charset=utf-8', 'The console has not been built.', 'no-store');
    return send(reply, 200, 'text/html; charset=utf-8', readFileSync(file), 'no-cache');
  };

  // The host's router ignores trailing slashes, so /console/ arrives here too: only the bare
  // path is sent on, where the bundle's relative URLs resolve.
  app.get('/console', (request, reply) => (request.url.split('?')[0]!.endsWith('/') ? index(reply) : reply.redirect(CONSOLE_PATH, 301)));
  app.get('/console/config.json', (_request, reply) => {
    const config = options.config();
    if (!config) return send(reply, 503, 'application/json; charset=utf-8', JSON.stringify({ error: 'The tenant is not seeded yet.' }), 'no-store');
    return send(reply, 200, 'application/json; charset=utf-8', JSON.stringify(config), 'no-store');
  });
  app.get('/console/*', (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    let relative: string;
    try {
      relative = decodeURIComponent(rest.split('?')[0]!);
    } catch {
      return send(reply, 400, 'text/plain; charset=utf-8', 'Bad path.', 'no-store');
    }
    if (relative === 'index.html') return index(reply);
    const file = normalize(join(root, relative));
    // A path that leaves the bundle (../) or names a folder is a client route, not a file.
    const isFile = file.startsWith(root) && existsSync(file) && statSync(file).isFile();
    if (isFile) {
      const hashed = relative.startsWith('assets/');
      return send(reply, 200, contentTypeOf(file), readFileSync(file), hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing asset is a 404; any other path is one of the SPA's routes.
    if (relative.startsWith('assets/') || /\.[a-z0-9]+$/i.test(relative)) return send(reply, 404, 'text/plain; charset=utf-8', 'Not found.', 'no-store');
    return index(reply);
  });
}

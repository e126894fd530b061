/**
 * Mounts a service's Fastify plugin in an encapsulated scope and records every route it
 * registers with the service's name, so that the ownership table (`baton routes`) comes
 * from the live registrations rather than from documentation.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Tracer } from '@opentelemetry/api';
import { addRequestSpans } from '../tracing/request-spans.js';
import type { BatonApp } from './create-app.js';

export interface OwnedRoute {
  owner: string;
  method: string;
  url: string;
}

export class RouteTable {
  readonly routes: OwnedRoute[] = [];

  add(route: OwnedRoute): void {
    if (route.method === 'HEAD') return;
    // find-my-way cannot hold a closing parenthesis after a parameter, so OData key routes
    // are registered as `entity(key=:param`; show them the way clients write them.
    this.routes.push({ ...route, url: route.url.replace(/\((\w+)=:(\w+)$/, "($1='{$2}')") });
  }

  sorted(): OwnedRoute[] {
    return [...this.routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  }
}

export async function mountService<O extends Record<string, unknown>>(
  app: BatonApp,
  owner: string,
  plugin: FastifyPluginAsync<O>,
  options: O,
  table?: RouteTable,
  /** When tracing is on: every request the service answers gets a span from this tracer. */
  tracer?: Tracer,
): Promise<void> {
  await app.register(async (scope) => {
    if (tracer) addRequestSpans(scope, tracer, owner);
    scope.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) table?.add({ owner, method, url: route.url });
    });
    await scope.register(plugin as FastifyPluginAsync<any>, options);
  });
}

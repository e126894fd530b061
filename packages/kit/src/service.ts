/**
 * What the process that hosts a service (the combined `baton up`, or `baton serve <name>`)
 * hands each service, and what a service hands back. Services know their peers only by
 * public URL: discovery knows identity's (the authority it hands devices to), identity
 * knows management's (the MDM application it registers in tenants), management knows
 * identity's (the issuer whose tokens it accepts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { BatonConfig } from './config.js';
import type { Fetch } from './http/https-client.js';
import type { ServiceCredentials } from './auth/service-token-client.js';

export interface ServiceUrls {
  discovery: string;
  identity: string;
  management: string;
}

export interface ServiceContext {
  config: BatonConfig;
  /** Public base URLs, without a trailing slash. */
  urls: ServiceUrls;
  /** fetch that trusts Baton's CA, for calls to other services. */
  fetch: Fetch;
  logger: Logger;
  /** Key for secrets at rest (see createSecretBox). */
  secretKey: Buffer;
  /** Client credentials of every Baton service's own application in identity. */
  serviceCredentials: Record<'discovery' | 'identity' | 'management', ServiceCredentials>;
  /** PostgreSQL schema override (tests run each suite in a schema of its own). */
  schema?: string;
}

export interface ServiceRuntime {
  name: 'discovery' | 'identity' | 'management';
  plugin: FastifyPluginAsync<any>;
  pluginOptions: Record<string, unknown>;
  /** Start background work (outbox relay, timers). */
  start(): Promise<void>;
  /** Stop background work and close the store. */
  stop(): Promise<void>;
}

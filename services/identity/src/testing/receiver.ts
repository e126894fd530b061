/**
 * A subscriber's notification endpoint over HTTPS with a CA of its own, as a tenant's
 * webhook would be: it answers Graph's validation handshake (or fails it on purpose) and
 * records what is delivered, answering with the statuses a test queues.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, createHttpsFetch, ensureLocalTls, type Fetch } from '@baton/kit';
import type { ChangeNotificationCollection } from '@baton/contracts';

export type HandshakeMode = 'echo' | 'wrong-token' | 'status-500' | 'json' | 'slow';

export interface Receiver {
  url: string;
  /** fetch that trusts the receiver's CA, to hand identity as ctx.fetch. */
  fetch: Fetch;
  handshake: HandshakeMode;
  /** Statuses for the next deliveries, in order; 202 when empty. */
  statuses: number[];
  received: ChangeNotificationCollection[];
  attempts: number;
  /** The subscription ids of every delivery attempt, answered with success or not, in order. */
  attemptedFor: string[];
  validations: string[];
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-receiver-'));
  const tls = await ensureLocalTls(dir);
  const app = createApp({ logger: false, https: { key: tls.key, cert: tls.cert } });
  const state: Omit<Receiver, 'url' | 'fetch' | 'waitFor' | 'close'> = {
    handshake: 'echo',
    statuses: [],
    received: [],
    attempts: 0,
    attemptedFor: [],
    validations: [],
  };
  app.post('/hook', async (request, reply) => {
    const token = (request.query as Record<string, string | undefined>).validationToken;
    if (token !== undefined) {
      state.validations.push(token);
      switch (state.handshake) {
        case 'echo':
          return reply.code(200).type('text/plain').send(token);
        case 'wrong-token':
          return reply.code(200).type('text/plain').send(`${token}x`);
        case 'status-500':
          return reply.code(500).type('text/plain').send(token);
        case 'json':
          return reply.code(200).type('application/json').send(JSON.stringify(token));
        case 'slow':
          await new Promise((r) => setTimeout(r, 11_000));
          return reply.code(200).type('text/plain').send(token);
      }
    }
    state.attempts++;
    const notifications = (request.body as Partial<ChangeNotificationCollection> | undefined)?.value;
    if (Array.isArray(notifications)) for (const n of notifications) state.attemptedFor.push(String(n.subscriptionId));
    const status = state.statuses.shift() ?? 202;
    if (status >= 200 && status < 300) state.received.push(request.body as ChangeNotificationCollection);
    return reply.code(status).send();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const fetch = createHttpsFetch({ caPem: tls.caPem });
  const receiver: Receiver = Object.assign(state, {
    url: `https://localhost:${address.port}/hook`,
    fetch,
    async waitFor(predicate: () => boolean, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error('timed out waiting for the receiver');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await app.close();
      await fetch.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return receiver;
}

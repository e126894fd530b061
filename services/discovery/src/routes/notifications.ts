/**
 * The receiver of identity's change notifications. It carries no bearer token, as Graph
 * receivers do not: identity proves each notification with the clientState discovery chose,
 * which the domain checks item by item. Unauthentic items are skipped and the delivery still
 * answered 202: a 4xx would only make identity retry it, and a forger would learn which
 * subscriptions exist.
 */
import type { FastifyPluginAsync } from 'fastify';
import { NOTIFICATIONS_PATH } from '../domain/group-membership.js';
import { discoveryErrors } from '../errors.js';
import type { DiscoveryPluginOptions } from './context.js';

/** One directory write's changes for one subscription: small, whatever the group's size. */
export const NOTIFICATION_BODY_LIMIT = 256 * 1024;
const MAX_ITEMS = 1000;
const MAX_VALIDATION_TOKEN = 4096;

export const notificationRoutes: FastifyPluginAsync<DiscoveryPluginOptions> = async (app, options) => {
  app.post(NOTIFICATIONS_PATH, { bodyLimit: NOTIFICATION_BODY_LIMIT }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (query.validationToken !== undefined) {
      const token = query.validationToken;
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_VALIDATION_TOKEN) {
        throw discoveryErrors.badRequest('validationToken must be one non-empty value.');
      }
      // The echo is attacker-chosen text: it must never be sniffed into something a browser runs.
      reply.code(200).header('x-content-type-options', 'nosniff').type('text/plain; charset=utf-8');
      return token;
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw discoveryErrors.badRequest('The body must be a ChangeNotificationCollection.');
    }
    const value = (body as { value?: unknown }).value;
    if (!Array.isArray(value)) throw discoveryErrors.badRequest('value must be an array of change notifications.');
    if (value.length > MAX_ITEMS) throw discoveryErrors.badRequest(`A delivery carries at most ${MAX_ITEMS} notifications.`);
    if (options.groups) {
      try {
        await options.groups.deliver(value);
      } catch (error) {
        // Not the sender's fault: a 503 makes identity deliver again, which the deltas' idempotence allows.
        request.log.warn({ err: String(error) }, 'notifications: not applied');
        throw discoveryErrors.notificationsUnavailable();
      }
    }
    reply.code(202);
    return '';
  });
};

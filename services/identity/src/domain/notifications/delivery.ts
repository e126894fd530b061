/**
 * Delivers stored change notifications to the subscriber. A subscription that expired or
 * was deleted while a message waited gets nothing: the message is settled without a call.
 */
import { SUBSCRIPTION_VALIDATION_TIMEOUT_MS, type ChangeNotificationCollection } from '@baton/contracts';
import type { Fetch, OutboxHandler } from '@baton/kit';
import type { IdentityStore } from '../../store/store.js';
import type { StoredNotifications } from './feed.js';

export function changeNotificationHandler(store: IdentityStore, fetch: () => Fetch, now: () => Date): OutboxHandler {
  return async (message) => {
    const stored = message.payload as StoredNotifications;
    const subscription = await store.findSubscription(stored.subscriptionId);
    if (!subscription || subscription.tenantId !== stored.tenantId || subscription.expiresAt <= now().toISOString()) return;
    const body: ChangeNotificationCollection = {
      value: stored.value.map((n) => ({
        ...n,
        clientState: subscription.clientState,
        subscriptionExpirationDateTime: subscription.expiresAt,
      })),
    };
    const response = await fetch()(subscription.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SUBSCRIPTION_VALIDATION_TIMEOUT_MS * 3),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new Error(`the notification endpoint answered ${response.status}`);
  };
}

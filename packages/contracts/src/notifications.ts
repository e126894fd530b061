/**
 * Change notifications identity sends to subscribers, in the shape of Microsoft Graph's
 * change notifications (webhooks), so a receiver written for Graph reads them unchanged.
 *
 * Subscribing: `POST /graph/v1.0/subscriptions` with a `SubscriptionRequest`. Before the
 * subscription exists, identity POSTs to `notificationUrl?validationToken=<token>` with an
 * empty `text/plain` body; the receiver must answer 200, `content-type: text/plain`, with
 * exactly the (URL-decoded) token as its body, within `SUBSCRIPTION_VALIDATION_TIMEOUT_MS`.
 * Anything else refuses the subscription with a 400 `ValidationError` envelope.
 *
 * Delivery: a `ChangeNotificationCollection` is POSTed as `application/json` to
 * `notificationUrl`. Any 2xx accepts it (Graph receivers answer 202). Any other answer, or
 * no answer, is retried with exponential backoff until accepted: delivery is at least once,
 * so receivers must be idempotent (the same group change may arrive twice; applying a
 * `members@delta` item twice gives the same membership). One POST carries the changes one
 * directory write caused for one subscription. Nothing is delivered after the subscription
 * expired or was deleted, including retries still pending at that moment.
 *
 * Subscriptions belong to one tenant and one calling application (the token's `azp`):
 * another application of the same tenant neither sees nor manages them.
 */

/** Resources a subscription can watch. `groups/{id}/members` watches one group's members. */
export type SubscriptionResource = 'groups' | 'devices' | `groups/${string}/members`;

export type ChangeType = 'created' | 'updated' | 'deleted';

/** Longest lifetime a subscription may ask for (and be renewed to), in minutes: three days. */
export const MAX_SUBSCRIPTION_MINUTES = 4320;
export const MAX_CLIENT_STATE_LENGTH = 128;
export const SUBSCRIPTION_VALIDATION_TIMEOUT_MS = 10_000;

export interface SubscriptionRequest {
  /** Comma-separated subset of created, updated, deleted. */
  changeType: string;
  /** https only. */
  notificationUrl: string;
  resource: string;
  /** ISO 8601, in the future, at most MAX_SUBSCRIPTION_MINUTES ahead. */
  expirationDateTime: string;
  /** Echoed in every notification so the receiver can tell them from forgeries. */
  clientState?: string;
}

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  expirationDateTime: string;
  clientState: string | null;
  /** The subscribing application's client id. */
  applicationId: string;
  creatorId: string;
  includeResourceData: false;
  latestSupportedTlsVersion: 'v1_2';
}

/**
 * One entry of a group's `members@delta`. Added members carry `@odata.type` and `id`;
 * removed ones additionally carry `@removed: {reason: "deleted"}` (Graph uses the same
 * reason whether the member left the group or the object was deleted).
 *
 * Baton's addition: device entries also carry `deviceId`, the device's `deviceId`
 * property (the id Autopilot's `azureActiveDirectoryDeviceId` and Intune's
 * `azureADDeviceId` hold), on added and removed entries alike, so a receiver keyed on
 * device ids needs no call back to identity, not even for a device that no longer exists.
 * Graph itself sends only `id` (the object id).
 */
export interface MemberDeltaItem {
  '@odata.type': '#microsoft.graph.device' | '#microsoft.graph.user';
  /** Object id of the member. */
  id: string;
  deviceId?: string;
  '@removed'?: { reason: 'deleted' };
}

/** A group's membership changed: `resource` is `groups/{groupId}/members`, `changeType` "updated". */
export interface GroupMembersResourceData {
  '@odata.type': '#microsoft.graph.group';
  '@odata.id': string;
  id: string;
  'members@delta': MemberDeltaItem[];
}

/** A group was created, updated or deleted: `resource` is `groups/{groupId}`. */
export interface GroupResourceData {
  '@odata.type': '#microsoft.graph.group';
  '@odata.id': string;
  id: string;
}

/**
 * A device object was created, updated or deleted: `resource` is `devices/{objectId}`.
 * `deviceId` is Baton's addition, as on member entries.
 */
export interface DeviceResourceData {
  '@odata.type': '#microsoft.graph.device';
  '@odata.id': string;
  id: string;
  deviceId: string;
}

export interface ChangeNotification {
  subscriptionId: string;
  clientState: string | null;
  changeType: ChangeType;
  resource: string;
  tenantId: string;
  /** The subscription's expiry at the time of delivery. */
  subscriptionExpirationDateTime: string;
  resourceData: GroupMembersResourceData | GroupResourceData | DeviceResourceData;
}

export interface ChangeNotificationCollection {
  value: ChangeNotification[];
}

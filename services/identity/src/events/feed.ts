/**
 * Identity's event feed: every sign-in, device join and device-bound token a device asks
 * for, with its outcome and (on failure) the error code the device was given, so a failed
 * provisioning can be attributed to identity's boundary by trace id.
 */
import { EventFeedStore, EventRecorder, eventFeedMigration } from '@baton/kit';
import type { Kysely } from 'kysely';

export const IDENTITY_EVENTS_TABLE = 'identity_events';

/** Appended to identity's migrations. */
export const identityEventsMigration = eventFeedMigration(IDENTITY_EVENTS_TABLE);

export interface IdentityEvents {
  store: EventFeedStore;
  recorder: EventRecorder;
}

export function identityEvents(db: Kysely<any>, options: ConstructorParameters<typeof EventRecorder>[1] = {}): IdentityEvents {
  const store = new EventFeedStore(db, IDENTITY_EVENTS_TABLE);
  return { store, recorder: new EventRecorder(store, options) };
}

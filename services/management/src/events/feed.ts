/**
 * Management's event feed: MS-MDE2 discovery, every enrollment (with the MS-MDE2 fault the
 * device got when refused), OMA-DM sessions and the device's failing command statuses, so
 * a failed provisioning can be attributed to management's boundary by trace id.
 */
import { EventFeedStore, EventRecorder, eventFeedMigration, eventFeedSparseIndexesMigration } from '@baton/kit';
import type { Kysely } from 'kysely';

export const MANAGEMENT_EVENTS_TABLE = 'management_events';

/** Appended to management's migrations. */
export const managementEventsMigration = eventFeedMigration(MANAGEMENT_EVENTS_TABLE);

/** Appended later: the ZTD id and serial number indexes leave out events without one (most of management's). */
export const managementEventsSparseIndexesMigration = eventFeedSparseIndexesMigration(MANAGEMENT_EVENTS_TABLE);

export interface ManagementEvents {
  store: EventFeedStore;
  recorder: EventRecorder;
}

export function managementEvents(db: Kysely<any>, options: ConstructorParameters<typeof EventRecorder>[1] = {}): ManagementEvents {
  const store = new EventFeedStore(db, MANAGEMENT_EVENTS_TABLE);
  return { store, recorder: new EventRecorder(store, options) };
}

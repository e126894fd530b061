/**
 * Records a service's events where they happen. An event is a side record: losing it must
 * never cost a device its sign-in, join or enrollment, so a failed write is logged and
 * swallowed.
 */
import { randomUUID } from 'node:crypto';
import { parseTraceparent } from '../trace.js';
import { feedEventId, type EventFeedStore, type FeedEvent } from './feed-store.js';

export type EventInput = Pick<FeedEvent, 'type' | 'outcome' | 'phase' | 'tenantId' | 'traceId'> &
  Partial<Pick<FeedEvent, 'ztdId' | 'azureADDeviceId' | 'managedDeviceId' | 'serialNumber' | 'userPrincipalName' | 'errorCode' | 'detail'>>;

/**
 * The trace id of a request's traceparent; a new one when it had none, so every event can be
 * followed. A new one is a UUIDv4's 122 random bits: node draws those from a buffered pool,
 * where randomBytes(16) asks the system per call (1 % of a routine OMA-DM poll's server time).
 */
export function traceIdOfHeaders(headers: Record<string, string | string[] | undefined>): string {
  const value = headers.traceparent;
  return parseTraceparent(typeof value === 'string' ? value : undefined)?.traceId ?? randomUUID().replace(/-/g, '');
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A device id worth indexing: GUIDs lower-cased, anything else dropped. */
export function guidOrNull(value: unknown): string | null {
  return typeof value === 'string' && GUID_RE.test(value) ? value.toLowerCase() : null;
}

export class EventRecorder {
  constructor(
    private readonly store: EventFeedStore,
    private readonly options: { now?: () => Date; warn?: (fields: Record<string, unknown>, message: string) => void } = {},
  ) {}

  async record(input: EventInput): Promise<void> {
    const at = this.options.now?.() ?? new Date();
    const event: FeedEvent = {
      id: feedEventId(at.getTime()),
      occurredDateTime: at.toISOString(),
      ztdId: null,
      azureADDeviceId: null,
      managedDeviceId: null,
      serialNumber: null,
      userPrincipalName: null,
      errorCode: null,
      detail: {},
      ...input,
      tenantId: input.tenantId?.toLowerCase() ?? null,
    };
    try {
      await this.store.append([event]);
    } catch (error) {
      this.options.warn?.({ traceId: event.traceId, type: event.type, err: String(error) }, 'event not recorded');
    }
  }
}

/**
 * Reads the three services' event feeds over HTTPS. diagnose owns nothing: everything it
 * knows comes from these reads. A feed that cannot be read is reported, not fatal: the
 * other two still say a lot.
 */
import { EVENT_FEED_PATHS, SERVICE_NAMES, type ChainEvent, type ChainEventPage, type ServiceName } from '@baton/contracts';

/** Node's fetch through Baton's HTTPS client, or a browser's own. */
export type FeedFetch = (input: string, init?: RequestInit) => Promise<Response>;

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 1000;

export interface FeedTarget {
  /** Base URL of each service (one origin when all three run in one host). */
  urls: Record<ServiceName, string>;
  /** Bearer token for the feeds (an admin token, or an app token of one of Baton's services). */
  token(): Promise<string>;
  fetch: FeedFetch;
  /** Upper bound on pages read per query. */
  maxPages?: number;
}

export class FeedReader {
  readonly unavailable = new Map<ServiceName, string>();

  constructor(private readonly target: FeedTarget) {}

  /** Every event of one feed matching `params`, newest first. */
  async read(service: ServiceName, params: Record<string, string>): Promise<ChainEvent[]> {
    const query = new URLSearchParams({ ...params, $top: String(PAGE) });
    let url: string | undefined = `${this.target.urls[service].replace(/\/+$/, '')}${EVENT_FEED_PATHS[service]}?${query}`;
    const events: ChainEvent[] = [];
    const maxPages = this.target.maxPages ?? 1000;
    for (let page = 0; url && page < maxPages; page++) {
      let response: Response;
      try {
        response = await this.target.fetch(url, { headers: { authorization: `Bearer ${await this.target.token()}`, accept: 'application/json' } });
      } catch (error) {
        this.unavailable.set(service, error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error));
        return events;
      }
      const body = (await response.json().catch(() => ({}))) as ChainEventPage & { error?: { code?: string; message?: string } };
      if (!response.ok) {
        this.unavailable.set(service, `${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
        return events;
      }
      for (const event of body.value ?? []) events.push({ ...event, service });
      url = body['@odata.nextLink'];
    }
    return events;
  }

  /** Every event of the three feeds matching `params` (or since a time for a fleet). */
  async readAll(params: Record<string, string>): Promise<ChainEvent[]> {
    const lists = await Promise.all(SERVICE_NAMES.map((s) => this.read(s, params)));
    return lists.flat();
  }
}

/** Which feeds know a device by which id: discovery and identity by ZTDId, all three by Entra device id. */
function queriesFor(id: string): Array<[ServiceName, Record<string, string>]> {
  if (!GUID_RE.test(id)) {
    return [
      ['discovery', { serialNumber: id }],
      ['management', { serialNumber: id }],
    ];
  }
  const g = id.toLowerCase();
  return [
    ['discovery', { ztdId: g }],
    ['discovery', { deviceId: g }],
    ['identity', { ztdId: g }],
    ['identity', { deviceId: g }],
    ['management', { deviceId: g }],
    ['management', { managedDeviceId: g }],
  ];
}

/**
 * Everything the services recorded about one device: events found by the id given, then by
 * the other ids those events name (a serial leads to the ZTDId, the ZTDId to the Entra
 * device id), then every event of the traces its provisioning attempts ran under (a
 * sign-in names a user, not a device: only its trace id ties it to the device).
 */
export async function collectDeviceEvents(reader: FeedReader, id: string, options: { maxTraces?: number } = {}): Promise<ChainEvent[]> {
  const found = new Map<string, ChainEvent>();
  const add = (events: ChainEvent[]) => {
    for (const e of events) found.set(`${e.service}/${e.id}`, e);
  };
  const asked = new Set<string>();
  let ids = [id.trim()];
  for (let round = 0; round < 3 && ids.length > 0; round++) {
    const queries = ids.flatMap(queriesFor).filter(([s, p]) => {
      const key = `${s}?${new URLSearchParams(p)}`;
      if (asked.has(key)) return false;
      asked.add(key);
      return true;
    });
    const results = await Promise.all(queries.map(([s, p]) => reader.read(s, p)));
    results.forEach(add);
    const next = new Set<string>();
    for (const e of found.values()) for (const v of [e.serialNumber, e.ztdId, e.azureADDeviceId]) if (v) next.add(v);
    ids = [...next].filter((v) => !queriesFor(v).every(([s, p]) => asked.has(`${s}?${new URLSearchParams(p)}`)));
  }
  const traces = new Map<string, string>();
  for (const e of found.values()) {
    if (e.type === 'registration' || e.type === 'assignment') continue;
    const seen = traces.get(e.traceId);
    if (!seen || seen < e.occurredDateTime) traces.set(e.traceId, e.occurredDateTime);
  }
  const recent = [...traces.entries()].sort((a, b) => b[1].localeCompare(a[1])).slice(0, options.maxTraces ?? 10);
  const byTrace = await Promise.all(recent.map(([traceId]) => reader.readAll({ traceId })));
  byTrace.forEach(add);
  return [...found.values()];
}

/** A serial number rather than one of the GUIDs a service assigns. */
export function isSerialNumber(id: string): boolean {
  return !GUID_RE.test(id.trim());
}

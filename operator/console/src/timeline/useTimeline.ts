/**
 * A device's cross-service timeline, assembled exactly as `baton diagnose` assembles it
 * (@baton/diagnosis): the three event feeds read on this origin with the administrator's
 * token, followed from id to id and trace to trace, then diagnosed.
 */
import { useEffect, useState } from 'react';
import { SERVICE_NAMES, type ServiceName } from '@baton/contracts';
import { collectDeviceEvents, diagnoseEvents, FeedReader, type Diagnosis } from '@baton/diagnosis';

export interface Timeline {
  diagnosis?: Diagnosis;
  /** Feeds that could not be read, with why. */
  unavailable: Array<[ServiceName, string]>;
  loading: boolean;
  error?: unknown;
}

export function useTimeline(deviceId: string | undefined, token: () => Promise<string>, generation: number): Timeline {
  const [state, setState] = useState<Timeline>({ unavailable: [], loading: false });
  useEffect(() => {
    if (!deviceId) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    const origin = window.location.origin;
    const urls = Object.fromEntries(SERVICE_NAMES.map((s) => [s, origin])) as Record<ServiceName, string>;
    const reader = new FeedReader({ urls, token, fetch: (input, init) => window.fetch(input, init), maxPages: 20 });
    collectDeviceEvents(reader, deviceId)
      .then((events) => {
        if (current) setState({ diagnosis: diagnoseEvents(deviceId, events), unavailable: [...reader.unavailable], loading: false });
      })
      .catch((error: unknown) => current && setState({ unavailable: [], loading: false, error }));
    return () => {
      current = false;
    };
  }, [deviceId, token, generation]);
  return state;
}

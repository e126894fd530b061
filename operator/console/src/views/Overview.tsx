/** The tenant at a glance: Autopilot devices (discovery), managed devices by compliance state (management), users (identity). */
import { useEffect, useState } from 'react';
import { Card, CardHeader, Text, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { PATHS } from '../graph/client.js';
import { complianceCountPath } from '../graph/queries.js';

/** Intune's complianceState values. */
export const COMPLIANCE_STATES = ['compliant', 'noncompliant', 'inGracePeriod', 'unknown', 'error', 'conflict', 'configManager'] as const;

interface Counts {
  autopilot?: number;
  managed?: number;
  users?: number;
  byCompliance: Partial<Record<string, number>>;
}

export function Overview() {
  const { graph } = useConsole();
  const [counts, setCounts] = useState<Counts>({ byCompliance: {} });
  const [errors, setErrors] = useState<unknown[]>([]);

  useEffect(() => {
    let current = true;
    const fail = (e: unknown) => current && setErrors((old) => [...old, e]);
    const set = (patch: (c: Counts) => Counts) => current && setCounts(patch);
    graph.count(`${PATHS.autopilotDevices}/$count`).then((n) => set((c) => ({ ...c, autopilot: n })), fail);
    graph.count(`${PATHS.managedDevices}/$count`).then((n) => set((c) => ({ ...c, managed: n })), fail);
    graph.count(`${PATHS.users}/$count`).then((n) => set((c) => ({ ...c, users: n })), fail);
    for (const state of COMPLIANCE_STATES) {
      graph.count(complianceCountPath(state)).then((n) => set((c) => ({ ...c, byCompliance: { ...c.byCompliance, [state]: n } })), fail);
    }
    return () => {
      current = false;
    };
  }, [graph]);

  const show = (n: number | undefined) => (n === undefined ? '…' : String(n));
  return (
    <section aria-labelledby="overview-title" className="stack">
      <Title3 as="h1" id="overview-title">
        Overview
      </Title3>
      {errors.slice(0, 3).map((e, i) => (
        <ErrorBar key={i} error={e} />
      ))}
      <div className="cards">
        <Card aria-label="Autopilot devices">
          <CardHeader header={<Text weight="semibold">Autopilot devices</Text>} description="discovery" />
          <Text size={800} data-testid="count-autopilot">{show(counts.autopilot)}</Text>
        </Card>
        <Card aria-label="Managed devices">
          <CardHeader header={<Text weight="semibold">Managed devices</Text>} description="management" />
          <Text size={800} data-testid="count-managed">{show(counts.managed)}</Text>
          <ul aria-label="Managed devices by compliance state" className="plain">
            {COMPLIANCE_STATES.filter((s) => counts.byCompliance[s]).map((s) => (
              <li key={s}>
                {s}: {counts.byCompliance[s]}
              </li>
            ))}
          </ul>
        </Card>
        <Card aria-label="Users">
          <CardHeader header={<Text weight="semibold">Users</Text>} description="identity" />
          <Text size={800} data-testid="count-users">{show(counts.users)}</Text>
        </Card>
      </div>
    </section>
  );
}

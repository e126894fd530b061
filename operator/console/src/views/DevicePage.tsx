/**
 * One managed device: its properties, the remote actions (each behind a confirmation), the
 * results management records for them (deviceActionResults), and its cross-service timeline.
 */
import { useCallback, useEffect, useState } from 'react';
import { Button, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Title3, Toolbar } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { when } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { PATHS } from '../graph/client.js';
import { TimelineView } from '../timeline/TimelineView.js';
import { useTimeline } from '../timeline/useTimeline.js';
import { actionPath, REMOTE_ACTIONS, type RemoteAction } from './actions.js';
import type { ManagedDevice } from './ManagedDevices.js';

export function DevicePage({ id }: { id: string }) {
  const { graph, token } = useConsole();
  const [device, setDevice] = useState<ManagedDevice>();
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [pending, setPending] = useState<RemoteAction | null>(null);
  const [generation, setGeneration] = useState(0);
  const timeline = useTimeline(device?.azureADDeviceId || device?.serialNumber, token, generation);

  const load = useCallback(async () => {
    try {
      setDevice(await graph.get<ManagedDevice>(`${PATHS.managedDevices}/${encodeURIComponent(id)}`));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [graph, id]);
  useEffect(() => {
    void load();
  }, [load, generation]);

  const run = async (action: RemoteAction) => {
    setPending(null);
    setActionError(undefined);
    try {
      await graph.post(actionPath(PATHS.managedDevices, id, action), action.body);
    } catch (e) {
      setActionError(e);
    }
    setGeneration((g) => g + 1);
  };

  if (error) return <ErrorBar error={error} />;
  if (!device) return <Spinner label="Loading the device" />;
  const properties: Array<[string, string]> = [
    ['Serial number', device.serialNumber],
    ['Compliance', device.complianceState],
    ['Management state', device.managementState],
    ['Last sync', when(device.lastSyncDateTime)],
    ['OS version', device.osVersion],
    ['Primary user', device.userPrincipalName || '—'],
    ['Entra device id', device.azureADDeviceId],
    ['Enrolled', when(device.enrolledDateTime)],
  ];
  return (
    <section aria-labelledby="device-title" className="stack">
      <Title3 as="h1" id="device-title">
        {device.deviceName || device.serialNumber}
      </Title3>
      <dl className="properties">
        {properties.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <Toolbar aria-label="Remote actions">
        {REMOTE_ACTIONS.map((a) => (
          <Button key={a.name} onClick={() => setPending(a)}>
            {a.label}
          </Button>
        ))}
        <Button appearance="subtle" onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </Button>
      </Toolbar>
      <ErrorBar error={actionError} />
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${pending.label} ${device.deviceName || device.serialNumber}?` : ''}
        text={pending?.warning ?? ''}
        confirm={pending?.label ?? ''}
        onConfirm={() => pending && void run(pending)}
        onCancel={() => setPending(null)}
      />
      <Title3 as="h2">Device actions</Title3>
      <Table aria-label="Device action results" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Action</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Started</TableHeaderCell>
            <TableHeaderCell>Last updated</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {(device.deviceActionResults ?? []).map((r) => (
            <TableRow key={`${r.actionName}-${r.startDateTime}`}>
              <TableCell>{r.actionName}</TableCell>
              <TableCell>{r.actionState}</TableCell>
              <TableCell>{when(r.startDateTime)}</TableCell>
              <TableCell>{when(r.lastUpdatedDateTime)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {(device.deviceActionResults ?? []).length === 0 ? <p>No remote action has been sent to this device.</p> : null}
      <TimelineView timeline={timeline} />
    </section>
  );
}

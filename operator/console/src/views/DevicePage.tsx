/**
 * One managed device: its properties, the remote actions (each behind a confirmation), the
 * results management records for them (deviceActionResults), the compliance policies and
 * configuration profiles that reach it, its Defender health, its BitLocker recovery keys (read
 * from identity by its Entra device id), and its cross-service timeline.
 */
import { useCallback, useEffect, useState } from 'react';
import { Button, Spinner, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ActionResults } from '../components/ActionResults.js';
import { ActionsToolbar } from '../components/ActionsToolbar.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { when } from '../components/when.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { RenameDialog } from '../components/RenameDialog.js';
import { PATHS } from '../graph/client.js';
import { TimelineView } from '../timeline/TimelineView.js';
import { useTimeline } from '../timeline/useTimeline.js';
import { actionPath, RENAME_ACTION, type RemoteAction } from './actions.js';
import { BitLockerSection } from './BitLockerSection.js';
import { DefenderSection } from './DefenderSection.js';
import { DevicePolicyStates } from './DevicePolicyStates.js';
import type { ManagedDevice } from './ManagedDevices.js';

export function DevicePage({ id }: { id: string }) {
  const { graph, token } = useConsole();
  const [device, setDevice] = useState<ManagedDevice>();
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [pending, setPending] = useState<RemoteAction | null>(null);
  const [renaming, setRenaming] = useState(false);
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
      await graph.post(actionPath(id, action), action.body);
    } catch (e) {
      setActionError(e);
    }
    setGeneration((g) => g + 1);
  };

  // Errors propagate to the dialog, which shows management's refusal next to the name.
  const rename = async (deviceName: string) => {
    await graph.post(actionPath(id, RENAME_ACTION), { deviceName });
    setRenaming(false);
    setGeneration((g) => g + 1);
  };

  if (error) return <ErrorBar error={error} />;
  if (!device) return <Spinner label="Loading the device" />;
  const name = device.deviceName || device.serialNumber;
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
      <div className="title-row">
        <Title3 as="h1" id="device-title">
          {name}
        </Title3>
        {/* Re-reads the device, its action results, its Defender health and its timeline. */}
        <Button appearance="subtle" onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </Button>
      </div>
      <dl className="properties">
        {properties.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <ActionsToolbar onAction={setPending} onRename={() => setRenaming(true)} />
      <ErrorBar error={actionError} />
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${pending.label} ${name}?` : ''}
        text={pending?.warning ?? ''}
        confirm={pending?.label ?? ''}
        onConfirm={() => pending && void run(pending)}
        onCancel={() => setPending(null)}
      />
      <RenameDialog open={renaming} current={name} note={RENAME_ACTION.warning} onRename={rename} onCancel={() => setRenaming(false)} />
      <Title3 as="h2">Device actions</Title3>
      <ActionResults results={device.deviceActionResults ?? []} />
      <DevicePolicyStates id={id} generation={generation} />
      <DefenderSection id={id} generation={generation} />
      <BitLockerSection deviceId={device.azureADDeviceId} generation={generation} />
      <TimelineView timeline={timeline} />
    </section>
  );
}

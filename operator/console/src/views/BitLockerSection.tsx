/**
 * The device's BitLocker recovery keys, which identity holds (the device escrows them; management
 * never sees one). The list carries no key; each key is read on its own with `$select=key`,
 * after a confirmation, because identity audits that read. A shown password lives only in this
 * component's state: leaving the page (or moving to another device) drops it.
 */
import { useEffect, useState } from 'react';
import { Button, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyableText } from '../components/CopyableText.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { when } from '../components/when.js';
import { recoveryKeyPasswordPath, recoveryKeysPath } from '../graph/queries.js';
import { hasEntraDeviceId, newestFirst, volumeLabel, type RecoveryKey } from './recovery-keys.js';

type Read = { kind: 'loading' } | { kind: 'keys'; keys: RecoveryKey[] } | { kind: 'error'; error: unknown };

/** Recorded with the audit event, so the feed says which client read the key. */
const CLIENT_HEADERS = { 'ocp-client-name': 'Baton console' };
/** A handful per device (one per rotation); the cap only bounds a runaway list. */
const MAX_KEYS = 200;

export function BitLockerSection({ deviceId, generation }: { deviceId: string | undefined; generation: number }) {
  const { graph } = useConsole();
  const [read, setRead] = useState<Read>({ kind: 'loading' });
  const [asking, setAsking] = useState<RecoveryKey | null>(null);
  const [shown, setShown] = useState<Record<string, string>>({});
  const [keyError, setKeyError] = useState<unknown>();

  useEffect(() => {
    // Another device's page reuses this component: its passwords must not carry over.
    setShown({});
    setKeyError(undefined);
  }, [deviceId]);

  useEffect(() => {
    if (!hasEntraDeviceId(deviceId)) return;
    let current = true;
    setRead({ kind: 'loading' });
    graph
      .all<RecoveryKey>(recoveryKeysPath(deviceId), MAX_KEYS)
      .then((keys) => current && setRead({ kind: 'keys', keys: newestFirst(keys) }))
      .catch((error: unknown) => current && setRead({ kind: 'error', error }));
    // A read that lands after the page moved on must not overwrite the newer one.
    return () => {
      current = false;
    };
  }, [graph, deviceId, generation]);

  const reveal = async (key: RecoveryKey) => {
    setAsking(null);
    setKeyError(undefined);
    try {
      const read = await graph.get<RecoveryKey>(recoveryKeyPasswordPath(key.id), CLIENT_HEADERS);
      if (read.key) setShown((s) => ({ ...s, [key.id]: read.key! }));
    } catch (e) {
      setKeyError(e);
    }
  };

  return (
    <section aria-labelledby="bitlocker-title" className="stack">
      <Title3 as="h2" id="bitlocker-title">
        BitLocker recovery keys
      </Title3>
      {!hasEntraDeviceId(deviceId) ? <p>No Entra device id: a device that has not joined Entra ID escrows no key.</p> : null}
      {hasEntraDeviceId(deviceId) && read.kind === 'loading' ? <Spinner size="tiny" label="Reading the recovery keys" /> : null}
      {hasEntraDeviceId(deviceId) && read.kind === 'error' ? <ErrorBar error={read.error} /> : null}
      {hasEntraDeviceId(deviceId) && read.kind === 'keys' && read.keys.length === 0 ? <p>No recovery key escrowed.</p> : null}
      {hasEntraDeviceId(deviceId) && read.kind === 'keys' && read.keys.length > 0 ? (
        <Table aria-label="BitLocker recovery keys" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Key id</TableHeaderCell>
              <TableHeaderCell>Volume</TableHeaderCell>
              <TableHeaderCell>Created</TableHeaderCell>
              <TableHeaderCell>Recovery key</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {read.keys.map((k) => (
              <TableRow key={k.id}>
                <TableCell className="mono-text">{k.id}</TableCell>
                <TableCell>{volumeLabel(k.volumeType)}</TableCell>
                <TableCell>{when(k.createdDateTime)}</TableCell>
                <TableCell>
                  {shown[k.id] ? (
                    <CopyableText value={shown[k.id]!} label={`Recovery password of key ${k.id}`} />
                  ) : (
                    <Button size="small" onClick={() => setAsking(k)} aria-label={`Show recovery key ${k.id}`}>
                      Show recovery key
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      <ErrorBar error={keyError} />
      <ConfirmDialog
        open={asking !== null}
        title="Show the recovery key?"
        text={`Reading a recovery key is audited: identity records your account, the key id ${asking?.id ?? ''} and the device in its event feed before it answers.`}
        confirm="Show recovery key"
        onConfirm={() => asking && void reveal(asking)}
        onCancel={() => setAsking(null)}
      />
    </section>
  );
}

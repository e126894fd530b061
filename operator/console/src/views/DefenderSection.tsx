/**
 * The device's Microsoft Defender health (windowsProtectionState). Management answers 404 until
 * the device has reported it (it reads the Health nodes behind a scan or a signature update), so
 * a 404 is "not reported yet", not an error.
 */
import { useEffect, useState } from 'react';
import { Spinner, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { GraphRequestError } from '../graph/errors.js';
import { PATHS } from '../graph/paths.js';
import { protectionRows, type WindowsProtectionState } from './protection-state.js';

type Read = { kind: 'loading' } | { kind: 'state'; state: WindowsProtectionState } | { kind: 'notReported' } | { kind: 'error'; error: unknown };

export function DefenderSection({ id, generation }: { id: string; generation: number }) {
  const { graph } = useConsole();
  const [read, setRead] = useState<Read>({ kind: 'loading' });
  useEffect(() => {
    let current = true;
    graph
      .get<WindowsProtectionState>(`${PATHS.managedDevices}/${encodeURIComponent(id)}/windowsProtectionState`)
      .then((state) => current && setRead({ kind: 'state', state }))
      .catch((error: unknown) => {
        if (!current) return;
        setRead(error instanceof GraphRequestError && error.status === 404 ? { kind: 'notReported' } : { kind: 'error', error });
      });
    // A refresh that lands after the page moved on must not overwrite the newer read.
    return () => {
      current = false;
    };
  }, [graph, id, generation]);

  return (
    <section aria-labelledby="defender-title" className="stack">
      <Title3 as="h2" id="defender-title">
        Microsoft Defender
      </Title3>
      {read.kind === 'loading' ? <Spinner size="tiny" label="Reading the Defender health" /> : null}
      {read.kind === 'error' ? <ErrorBar error={read.error} /> : null}
      {read.kind === 'notReported' ? <p>Not reported yet: the device reports its Defender health after a scan or a signature update.</p> : null}
      {read.kind === 'state' ? (
        <dl className="properties" aria-labelledby="defender-title">
          {protectionRows(read.state).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </section>
  );
}

/** Imports an Autopilot CSV file and shows each row's import status. */
import { useState } from 'react';
import { Badge, Button, Field, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { useAction } from '../components/useAction.js';
import { PATHS } from '../graph/client.js';

export interface ImportRow {
  row: number;
  serialNumber: string;
  state: { deviceImportStatus: string; deviceRegistrationId: string; deviceErrorCode: number; deviceErrorName: string };
  message?: string;
}

interface ImportAnswer {
  summary?: Record<string, number>;
  warnings?: string[];
  value: ImportRow[];
}

export function CsvImport({ onImported }: { onImported(): void }) {
  const { graph } = useConsole();
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, run } = useAction();
  const [answer, setAnswer] = useState<ImportAnswer>();

  const submit = () =>
    run(async () => {
      if (!file) return;
      setAnswer(await graph.post<ImportAnswer>(PATHS.importCsv, new Uint8Array(await file.arrayBuffer()), 'text/csv'));
      onImported();
    });

  return (
    <section aria-labelledby="import-title" className="stack">
      <Title3 as="h2" id="import-title">
        Import devices
      </Title3>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Autopilot CSV file" hint="Device Serial Number, Windows Product ID, Hardware Hash, Group Tag, Assigned User">
          {(fieldProps) => <input {...fieldProps} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <Button type="submit" appearance="primary" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </Button>
      </form>
      <ErrorBar error={error} />
      {answer ? (
        <Table aria-label="Import results" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Row</TableHeaderCell>
              <TableHeaderCell>Serial number</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell>Error</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {answer.value.map((r) => (
              <TableRow key={`${r.row}-${r.serialNumber}`}>
                <TableCell>{r.row}</TableCell>
                <TableCell>{r.serialNumber}</TableCell>
                <TableCell>
                  <Badge color={r.state.deviceImportStatus === 'complete' ? 'success' : r.state.deviceImportStatus === 'error' ? 'danger' : 'informative'}>{r.state.deviceImportStatus}</Badge>
                </TableCell>
                <TableCell>{r.state.deviceErrorCode ? `${r.state.deviceErrorCode} ${r.state.deviceErrorName}${r.message ? `: ${r.message}` : ''}` : '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </section>
  );
}

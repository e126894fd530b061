/**
 * Discovery's windowsAutopilotDeviceIdentities, filtered by serial number, and the import of
 * an Autopilot CSV file through importedWindowsAutopilotDeviceIdentities/importCsv: the file
 * goes as bytes, so its own encoding (UTF-16 from PowerShell, UTF-8, ANSI) decides how
 * discovery reads it, and each row's import state is shown as discovery answered it.
 */
import { useState } from 'react';
import { Button, Field, Input, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { usePaged } from '../components/usePaged.js';
import { serialFilterPath } from '../graph/queries.js';
import { CsvImport } from './CsvImport.js';

interface AutopilotDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  groupTag: string;
  enrollmentState: string;
  deploymentProfileAssignmentStatus: string;
  lastContactedDateTime: string;
}

const COLUMNS: Column<AutopilotDevice>[] = [
  { key: 'serial', header: 'Serial number', render: (d) => d.serialNumber },
  { key: 'manufacturer', header: 'Manufacturer', render: (d) => d.manufacturer },
  { key: 'model', header: 'Model', render: (d) => d.model },
  { key: 'groupTag', header: 'Group tag', render: (d) => d.groupTag || '—' },
  { key: 'profile', header: 'Profile status', render: (d) => d.deploymentProfileAssignmentStatus },
  { key: 'enrollment', header: 'Enrollment state', render: (d) => d.enrollmentState },
  { key: 'contacted', header: 'Last contacted', render: (d) => when(d.lastContactedDateTime) },
];

export function AutopilotDevices() {
  useConsole();
  const [serial, setSerial] = useState('');
  const [applied, setApplied] = useState('');
  const paged = usePaged<AutopilotDevice>(serialFilterPath(applied));
  return (
    <section aria-labelledby="autopilot-title" className="stack">
      <Title3 as="h1" id="autopilot-title">
        Autopilot devices
      </Title3>
      <form
        className="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(serial);
        }}
      >
        <Field label="Serial number contains">
          <Input value={serial} onChange={(_e, data) => setSerial(data.value)} />
        </Field>
        <Button type="submit">Filter</Button>
      </form>
      <DataTable label="Autopilot devices" columns={COLUMNS} paged={paged} rowKey={(d) => d.id} empty="No Autopilot devices." />
      <CsvImport onImported={paged.reload} />
    </section>
  );
}

/**
 * The "Assign" form under an assignment list: all devices, or a group found by the start of
 * its name (identity's `startswith` filter). It says what was picked; the caller writes it,
 * the way its Graph collection takes assignments.
 */
import { useState } from 'react';
import { Button, Field, Input, Radio, RadioGroup } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ErrorBar } from './ErrorBar.js';
import { PATHS } from '../graph/client.js';
import { odataString } from '../graph/links.js';
import type { PickedTarget } from '../views/assignment-body.js';


interface Group {
  id: string;
  displayName: string;
}

/** Groups shown for one search: enough to pick from, few enough to read. */
const GROUPS_FOUND = 10;

export function TargetPicker({ label, busy, onAssign }: { label: string; busy: boolean; onAssign(target: PickedTarget): void }) {
  const { graph } = useConsole();
  const [mode, setMode] = useState<'allDevices' | 'group'>('allDevices');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Group[] | null>(null);
  const [groupId, setGroupId] = useState('');
  const [error, setError] = useState<unknown>();

  const findGroups = async () => {
    setError(undefined);
    try {
      const filter = `startswith(displayName,${odataString(search.trim())})`;
      const page = await graph.page<Group>(`${PATHS.groups}?$filter=${encodeURIComponent(filter)}&$select=id,displayName&$top=${GROUPS_FOUND}`);
      setFound(page.value);
      setGroupId(page.value[0]?.id ?? '');
    } catch (e) {
      setError(e);
    }
  };

  return (
    <form
      aria-label={label}
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        onAssign(mode === 'allDevices' ? 'allDevices' : { groupId });
      }}
    >
      <Field label="Assign to">
        <RadioGroup layout="horizontal" value={mode} onChange={(_e, d) => setMode(d.value as 'allDevices' | 'group')}>
          <Radio value="allDevices" label="All devices" />
          <Radio value="group" label="A group" />
        </RadioGroup>
      </Field>
      {mode === 'group' ? (
        <>
          <div className="row">
            <Field label="Group name starts with">
              <Input value={search} onChange={(_e, d) => setSearch(d.value)} />
            </Field>
            <Button disabled={search.trim() === ''} onClick={() => void findGroups()}>
              Find groups
            </Button>
          </div>
          {found && found.length === 0 ? <p>No group's name starts with that.</p> : null}
          {found && found.length > 0 ? (
            <Field label="Group">
              <RadioGroup value={groupId} onChange={(_e, d) => setGroupId(d.value)}>
                {found.map((g) => (
                  <Radio key={g.id} value={g.id} label={g.displayName} />
                ))}
              </RadioGroup>
            </Field>
          ) : null}
        </>
      ) : null}
      <ErrorBar error={error} />
      <Button type="submit" appearance="primary" disabled={busy || (mode === 'group' && groupId === '')}>
        Assign
      </Button>
    </form>
  );
}

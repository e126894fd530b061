/** A titled region of counts (a status overview, an install summary), read once, its Graph error shown. */
import { Spinner, Title3 } from '@fluentui/react-components';
import { ErrorBar } from './ErrorBar.js';
import { PropertyList } from './PropertyList.js';
import type { Entity } from './useEntity.js';
import type { CountRow } from '../views/status-counts.js';

export function CountSection<T>({ id, title, read, rows }: { id: string; title: string; read: Entity<T>; rows(value: T): CountRow[] }) {
  return (
    <section aria-labelledby={id} className="stack">
      <Title3 as="h2" id={id}>
        {title}
      </Title3>
      <ErrorBar error={read.error} />
      {read.value ? <PropertyList label={title} rows={rows(read.value)} /> : read.error ? null : <Spinner size="tiny" label={`Reading the ${title.toLowerCase()}`} />}
    </section>
  );
}

/**
 * Management's Enrollment Status Page configurations (the ESP members of
 * deviceEnrollmentConfigurations), each with its key settings; blocking apps by their names.
 */
import { Button, Card, CardHeader, Spinner, Text, Title3 } from '@fluentui/react-components';
import { ErrorBar } from '../components/ErrorBar.js';
import { PropertyList } from '../components/PropertyList.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/paths.js';
import type { MobileApp } from './Apps.js';
import { espRows, isEsp, type EspConfiguration } from './esp-text.js';

export function EnrollmentStatusPages() {
  const configs = usePaged<EspConfiguration>(PATHS.enrollmentConfigurations);
  // Blocking apps are stored by id; the app list names them.
  const apps = usePaged<MobileApp>(PATHS.mobileApps);
  const appNames = new Map(apps.items.map((a) => [a.id, a.displayName]));
  const esps = configs.items.filter(isEsp);
  return (
    <section aria-labelledby="esp-title" className="stack">
      <Title3 as="h1" id="esp-title">
        Enrollment Status Page
      </Title3>
      <ErrorBar error={configs.error} />
      {configs.loading ? <Spinner size="tiny" label="Loading" /> : null}
      {!configs.loading && !configs.error && esps.length === 0 ? <p>No Enrollment Status Page configuration: devices see Windows' own default.</p> : null}
      {esps.map((c) => (
        <Card key={c.id} aria-label={c.displayName}>
          <CardHeader header={<Text weight="semibold">{c.displayName}</Text>} description={c.priority === undefined ? undefined : `Priority ${c.priority}`} />
          <PropertyList label={`Settings of ${c.displayName}`} rows={espRows(c, appNames)} />
        </Card>
      ))}
      {configs.hasMore ? (
        <Button onClick={configs.loadMore} disabled={configs.loading}>
          Load more
        </Button>
      ) : null}
    </section>
  );
}

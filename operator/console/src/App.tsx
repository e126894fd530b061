/** The console's frame: navigation, the signed-in administrator, and the page the path names. */
import { useEffect, useMemo, useState } from 'react';
import { Button, Tab, TabList, Text, Title2 } from '@fluentui/react-components';
import { Console } from './context.js';
import { createGraph } from './graph/client.js';
import { parseRoute, pathOf, sectionOf, type Route } from './routes.js';
import type { Session } from './auth/session.js';
import { Overview } from './views/Overview.js';
import { AutopilotDevices } from './views/AutopilotDevices.js';
import { Profiles } from './views/Profiles.js';
import { Directory } from './views/Directory.js';
import { ManagedDevices } from './views/ManagedDevices.js';
import { DevicePage } from './views/DevicePage.js';
import { Policies } from './views/Policies.js';
import { PolicyPage } from './views/PolicyPage.js';
import { COMPLIANCE, CONFIGURATION } from './views/policy-kinds.js';
import { Apps } from './views/Apps.js';
import { AppPage } from './views/AppPage.js';
import { EnrollmentStatusPages } from './views/EnrollmentStatusPages.js';
import { GroupPage } from './views/GroupPage.js';

const NAV: Array<{ page: Route['page']; label: string; route: Route }> = [
  { page: 'overview', label: 'Overview', route: { page: 'overview' } },
  { page: 'autopilot', label: 'Autopilot devices', route: { page: 'autopilot' } },
  { page: 'profiles', label: 'Deployment profiles', route: { page: 'profiles' } },
  { page: 'directory', label: 'Directory', route: { page: 'directory' } },
  { page: 'managed', label: 'Managed devices', route: { page: 'managed' } },
  { page: 'compliance', label: 'Compliance policies', route: { page: 'compliance' } },
  { page: 'configurations', label: 'Configuration profiles', route: { page: 'configurations' } },
  { page: 'apps', label: 'Apps', route: { page: 'apps' } },
  { page: 'esp', label: 'Enrollment Status Page', route: { page: 'esp' } },
];

export function App({ session }: { session: Session }) {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const context = useMemo(
    () => ({
      graph: createGraph(session.token, window.location.origin),
      token: session.token,
      navigate(next: Route) {
        window.history.pushState(null, '', pathOf(next));
        setRoute(next);
      },
    }),
    [session],
  );
  const selected = sectionOf(route);
  return (
    <Console.Provider value={context}>
      <header className="top">
        <Title2 as="p">Baton</Title2>
        <Text>{session.account?.username}</Text>
        <Button onClick={() => void session.signOut()}>Sign out</Button>
      </header>
      <div className="frame">
        <nav aria-label="Console">
          <TabList vertical selectedValue={selected} onTabSelect={(_e, data) => context.navigate(NAV.find((n) => n.page === data.value)!.route)}>
            {NAV.map((n) => (
              <Tab key={n.page} value={n.page}>
                {n.label}
              </Tab>
            ))}
          </TabList>
        </nav>
        <main>{page(route)}</main>
      </div>
    </Console.Provider>
  );
}

function page(route: Route) {
  switch (route.page) {
    case 'overview':
      return <Overview />;
    case 'autopilot':
      return <AutopilotDevices />;
    case 'profiles':
      return <Profiles />;
    case 'directory':
      return <Directory />;
    case 'managed':
      return <ManagedDevices />;
    case 'device':
      return <DevicePage id={route.id} />;
    case 'group':
      return <GroupPage id={route.id} />;
    case 'compliance':
      return <Policies kind={COMPLIANCE} />;
    case 'compliancePolicy':
      // Keyed so moving between two policies starts from a fresh page, not the last one's reads.
      return <PolicyPage key={route.id} kind={COMPLIANCE} id={route.id} />;
    case 'configurations':
      return <Policies kind={CONFIGURATION} />;
    case 'configurationProfile':
      return <PolicyPage key={route.id} kind={CONFIGURATION} id={route.id} />;
    case 'apps':
      return <Apps />;
    case 'app':
      return <AppPage id={route.id} />;
    case 'esp':
      return <EnrollmentStatusPages />;
    case 'notFound':
      return <p>No page at {route.path}.</p>;
  }
}

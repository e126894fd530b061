/** The console's pages and their paths under /console/. Pure. */
export type Route =
  | { page: 'overview' }
  | { page: 'autopilot' }
  | { page: 'profiles' }
  | { page: 'directory' }
  | { page: 'group'; id: string }
  | { page: 'managed' }
  | { page: 'device'; id: string }
  | { page: 'compliance' }
  | { page: 'compliancePolicy'; id: string }
  | { page: 'configurations' }
  | { page: 'configurationProfile'; id: string }
  | { page: 'apps' }
  | { page: 'app'; id: string }
  | { page: 'esp' }
  | { page: 'notFound'; path: string };

export const BASE = '/console/';

/** Lists by their path segment; each that has pages for its items names that page too. */
const LISTS: Array<{ segment: string; list: Route['page']; item?: Route['page'] }> = [
  { segment: 'autopilot-devices', list: 'autopilot' },
  { segment: 'deployment-profiles', list: 'profiles' },
  { segment: 'directory', list: 'directory' },
  { segment: 'groups', list: 'directory', item: 'group' },
  { segment: 'managed-devices', list: 'managed', item: 'device' },
  { segment: 'compliance-policies', list: 'compliance', item: 'compliancePolicy' },
  { segment: 'configuration-profiles', list: 'configurations', item: 'configurationProfile' },
  { segment: 'apps', list: 'apps', item: 'app' },
  { segment: 'enrollment-status-page', list: 'esp' },
];

export function parseRoute(pathname: string): Route {
  if (!pathname.startsWith(BASE)) return { page: 'notFound', path: pathname };
  const parts = pathname.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'overview' };
  const [first, second, ...rest] = parts;
  const entry = LISTS.find((l) => l.segment === first);
  if (!entry || rest.length > 0) return { page: 'notFound', path: pathname };
  if (second === undefined) return { page: entry.list } as Route;
  if (!entry.item) return { page: 'notFound', path: pathname };
  return { page: entry.item, id: second } as Route;
}

export function pathOf(route: Route): string {
  switch (route.page) {
    case 'overview':
      return BASE;
    case 'notFound':
      return route.path;
  }
  if ('id' in route) {
    const entry = LISTS.find((l) => l.item === route.page)!;
    return `${BASE}${entry.segment}/${encodeURIComponent(route.id)}`;
  }
  return `${BASE}${LISTS.find((l) => l.list === route.page)!.segment}`;
}

/** The navigation entry a page sits under: an item's page under its list. */
export function sectionOf(route: Route): Route['page'] {
  const entry = LISTS.find((l) => l.item === route.page);
  return entry ? entry.list : route.page;
}

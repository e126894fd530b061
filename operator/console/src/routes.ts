/** The console's pages and their paths under /console/. Pure. */
export type Route =
  | { page: 'overview' }
  | { page: 'autopilot' }
  | { page: 'profiles' }
  | { page: 'directory' }
  | { page: 'managed' }
  | { page: 'device'; id: string }
  | { page: 'notFound'; path: string };

export const BASE = '/console/';

export function parseRoute(pathname: string): Route {
  if (!pathname.startsWith(BASE)) return { page: 'notFound', path: pathname };
  const parts = pathname.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'overview' };
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { page: 'notFound', path: pathname };
  if (first === 'managed-devices' && second) return { page: 'device', id: second };
  if (second) return { page: 'notFound', path: pathname };
  switch (first) {
    case 'autopilot-devices':
      return { page: 'autopilot' };
    case 'deployment-profiles':
      return { page: 'profiles' };
    case 'directory':
      return { page: 'directory' };
    case 'managed-devices':
      return { page: 'managed' };
    default:
      return { page: 'notFound', path: pathname };
  }
}

export function pathOf(route: Route): string {
  switch (route.page) {
    case 'overview':
      return BASE;
    case 'autopilot':
      return `${BASE}autopilot-devices`;
    case 'profiles':
      return `${BASE}deployment-profiles`;
    case 'directory':
      return `${BASE}directory`;
    case 'managed':
      return `${BASE}managed-devices`;
    case 'device':
      return `${BASE}managed-devices/${encodeURIComponent(route.id)}`;
    case 'notFound':
      return route.path;
  }
}

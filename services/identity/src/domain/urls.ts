/**
 * Public URLs of a tenant's endpoints. The base is read on every call rather than
 * captured, because a server listening on port 0 learns its URL only after start.
 */
import { IDENTITY_PATHS } from '@baton/contracts';

/** Graph's two versions; identity serves its directory on both. */
export type GraphVersion = 'v1.0' | 'beta';
export const GRAPH_VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];

export class IdentityUrls {
  constructor(private readonly base: () => string) {}

  get root(): string {
    return this.base().replace(/\/+$/, '');
  }

  issuer(tid: string): string {
    return this.root + IDENTITY_PATHS.issuer(tid);
  }
  authority(tid: string): string {
    return this.root + IDENTITY_PATHS.authority(tid);
  }
  token(tid: string): string {
    return this.root + IDENTITY_PATHS.token(tid);
  }
  authorize(tid: string): string {
    return `${this.root}/${tid}/oauth2/v2.0/authorize`;
  }
  deviceCode(tid: string): string {
    return `${this.root}/${tid}/oauth2/v2.0/devicecode`;
  }
  logout(tid: string): string {
    return `${this.root}/${tid}/oauth2/v2.0/logout`;
  }
  userinfo(tid: string): string {
    return `${this.root}/${tid}/openid/userinfo`;
  }
  keys(tid: string): string {
    return this.root + IDENTITY_PATHS.keys(tid);
  }
  openidConfiguration(tid: string): string {
    return this.root + IDENTITY_PATHS.openidConfiguration(tid);
  }
  join(tid: string): string {
    return this.root + IDENTITY_PATHS.join(tid);
  }
  deviceRegistration(tid: string): string {
    return `${this.root}/enterpriseregistration/${tid}/EnrollmentServer/DeviceEnrollmentWebService.svc`;
  }
  graph(path: string, version: GraphVersion = 'v1.0'): string {
    return `${this.root}/graph/${version}/${path.replace(/^\/+/, '')}`;
  }
}

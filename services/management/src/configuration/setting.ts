/**
 * A setting as management delivers it: one CSP node (OMA-URI), the value written there and its
 * SyncML Meta/Format. Custom profiles and Baton's templates both come down to a list of these.
 */
import { GraphError } from '@baton/kit';

/** SyncML Meta/Format values configuration writes (OMA-DM TND §5: chr, int, bool, b64, float). */
export type SettingFormat = 'chr' | 'int' | 'bool' | 'b64' | 'float';

export interface DesiredSetting {
  /** The OMA-URI as the policy spells it, sent to the device as is. */
  omaUri: string;
  /** A friendly name for Graph's setting states (the omaSetting's displayName, or the template property). */
  settingName: string;
  format: SettingFormat;
  /** The value as it goes in SyncML Data. */
  value: string;
}

/**
 * The node a URI names, for comparing settings of different policies: Windows takes
 * `./Device/Vendor/MSFT/X` and `./Vendor/MSFT/X` for the same device-scoped node.
 */
export function settingKey(omaUri: string): string {
  const u = omaUri.trim().replace(/\/+$/, '');
  return u.startsWith('./Device/Vendor/MSFT/') ? `./Vendor/MSFT/${u.slice('./Device/Vendor/MSFT/'.length)}` : u;
}

export const configurationErrors = {
  invalid: (message: string) => new GraphError(400, 'BadRequest', message),
  notFound: (id: string) => new GraphError(404, 'ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
};

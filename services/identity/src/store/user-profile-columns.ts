/** Where each user profile property lives in the `users` table: one nullable text column each. */
import { USER_PROFILE_PROPERTIES, type UserProfile, type UserProfileProperty } from './store.js';
import type { UsersTable } from './schema.js';

export const USER_PROFILE_COLUMNS = {
  givenName: 'given_name',
  surname: 'surname',
  mail: 'mail',
  jobTitle: 'job_title',
  department: 'department',
  companyName: 'company_name',
  officeLocation: 'office_location',
  city: 'city',
  state: 'state',
  country: 'country',
  usageLocation: 'usage_location',
  employeeId: 'employee_id',
  mobilePhone: 'mobile_phone',
} as const satisfies Record<UserProfileProperty, keyof UsersTable>;

type ProfileRow = Pick<UsersTable, (typeof USER_PROFILE_COLUMNS)[UserProfileProperty]>;

/** A row's profile, every property present (null when unset). */
export function profileOfRow(row: ProfileRow): Required<UserProfile> {
  const profile = {} as Required<UserProfile>;
  for (const property of USER_PROFILE_PROPERTIES) profile[property] = row[USER_PROFILE_COLUMNS[property]];
  return profile;
}

/** Every profile column of a new row; what the profile leaves out is null. */
export function profileRow(profile: UserProfile): ProfileRow {
  const row = {} as ProfileRow;
  for (const property of USER_PROFILE_PROPERTIES) row[USER_PROFILE_COLUMNS[property]] = profile[property] ?? null;
  return row;
}

/** The columns a patch writes: only the properties it names, so the others stay as they are. */
export function profileColumns(profile: UserProfile): Partial<ProfileRow> {
  const row: Partial<ProfileRow> = {};
  for (const property of USER_PROFILE_PROPERTIES) {
    const value = profile[property];
    if (value !== undefined) row[USER_PROFILE_COLUMNS[property]] = value;
  }
  return row;
}

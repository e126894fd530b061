/**
 * Which of the users table's unique rules a failed write broke, on either database: the check
 * before the write answers the common case, and this answers the write that lost a race.
 */
const USER_CONSTRAINTS = { users_tenant_upn: 'userPrincipalName', users_tenant_mail: 'mail' } as const;

export type DuplicateUserProperty = (typeof USER_CONSTRAINTS)[keyof typeof USER_CONSTRAINTS];

export function duplicateUserProperty(error: unknown): DuplicateUserProperty | undefined {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  // PostgreSQL names the constraint; SQLite names a unique index in its message (a table
  // constraint only by its columns, so the UPN's is matched by those).
  if (e?.code === '23505' && typeof e.constraint === 'string') return USER_CONSTRAINTS[e.constraint as keyof typeof USER_CONSTRAINTS];
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string') {
    if (e.message.includes('users_tenant_mail')) return 'mail';
    if (e.message.includes('users.upn_key')) return 'userPrincipalName';
  }
  return undefined;
}

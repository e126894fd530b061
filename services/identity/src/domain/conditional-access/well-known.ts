/**
 * Graph's grouping values that stand for sets of Microsoft applications. Baton only knows
 * the first-party app ids below (the ones clients of a Baton tenant present when they
 * impersonate Microsoft's); other members of Microsoft's groupings never sign in here.
 */

/** `Office365` (entra-docs concept-conditional-access-cloud-apps.md, "Office 365"). */
export const OFFICE_365_APPS: ReadonlySet<string> = new Set([
  '00000002-0000-0ff1-ce00-000000000000', // Exchange Online
  '00000003-0000-0ff1-ce00-000000000000', // SharePoint Online
  '00000004-0000-0ff1-ce00-000000000000', // Skype for Business Online
  '00000005-0000-0ff1-ce00-000000000000', // Yammer
  '00000006-0000-0ff1-ce00-000000000000', // Office 365 portal
  'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', // Microsoft Teams services
]);

/** `MicrosoftAdminPortals` (same page, "Microsoft Admin Portals"). */
export const ADMIN_PORTAL_APPS: ReadonlySet<string> = new Set([
  'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', // Azure portal
]);

/** The built-in "Multifactor authentication" strength, met by any MFA. */
export const MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';

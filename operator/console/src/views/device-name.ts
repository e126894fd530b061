/**
 * The check management applies to setDeviceName, run as the administrator types so the dialog
 * says what is wrong before anything is sent. Management still decides: its Graph 400 is shown
 * if it refuses a name this lets through. Pure.
 */

/** Windows' NetBIOS limit: a longer computer name is cut on the network, so Windows refuses it. */
export const MAX_DEVICE_NAME = 15;

/** Why Windows would refuse the name, or undefined when it is a valid computer name. */
export function deviceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > MAX_DEVICE_NAME) return `At most ${MAX_DEVICE_NAME} characters (this one has ${name.length}).`;
  if (!/^[A-Za-z0-9-]+$/.test(name)) return 'Only letters, digits and hyphens: no spaces, dots or other characters.';
  // A name of digits alone reads as an address on the network.
  if (/^\d+$/.test(name)) return 'Not digits alone: add a letter or a hyphen.';
  return undefined;
}

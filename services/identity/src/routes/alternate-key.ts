/**
 * Graph's alternate keys, `devices(deviceId='…')` and `applications(appId='…')`: find-my-way
 * cannot hold a closing parenthesis after a parameter, so the route hands over everything after
 * `=`, quotes and parenthesis included. The value, or undefined when it is not one quoted value.
 */
export function alternateKeyValue(raw: string): string | undefined {
  return /^'([^']{1,64})'\)$/.exec(raw)?.[1];
}

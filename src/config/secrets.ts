/** Env values that must never be shown: by any command, route, log or error. */

const SECRET = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE/i;

/** What a redacted value is shown as. */
export const REDACTED = '********';

/** True if an env variable of this name probably holds a secret (API_KEY, GITHUB_TOKEN, DB_PASSWORD…). */
export function isSecretKey(key: string): boolean {
  return SECRET.test(key);
}

/** A copy of `env` with the values of secret-looking keys replaced by `********`. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = isSecretKey(k) ? REDACTED : v;
  return out;
}

/** A copy of a service (or anything with an optional `env`) safe to show: its env redacted. */
export function redactService<T extends { env?: Record<string, string> | undefined }>(service: T): T {
  return service.env === undefined ? service : { ...service, env: redactEnv(service.env) };
}

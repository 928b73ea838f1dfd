/** vigil.yaml: its schema and types, the loader, and helpers for secrets and changes. */
export * from './schema.js';
export {
  ConfigError,
  formatIssue,
  formatPath,
  loadConfigFile,
  parseConfig,
  readEnvFile,
  resolveService,
} from './load.js';
export type { ConfigIssue } from './load.js';
export { CommandSyntaxError, splitCommand, tokenizeCommand } from './command.js';
export { parseEnvFile, EnvFileError } from './envfile.js';
export { REDACTED, isSecretKey, redactEnv, redactService } from './secrets.js';
export { RESTART_FIELDS, diffService } from './diff.js';
export { renderConfigDocs } from './docs.js';
export * from './units.js';

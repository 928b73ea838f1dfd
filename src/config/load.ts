// TEMPORARY minimal loader; replaced by the full loader (line:column errors) from the config branch.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { VigilError } from '../errors.js';
import { configSchema, type VigilConfig } from './schema.js';

export class ConfigError extends VigilError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

export function parseConfig(text: string, fileName: string, baseDir: string): VigilConfig {
  const r = configSchema.safeParse(parse(text));
  if (!r.success)
    throw new ConfigError(
      `${fileName}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  for (const s of Object.values(r.data.services)) s.cwd = resolve(baseDir, s.cwd ?? '.');
  return r.data;
}

export function loadConfigFile(path: string): { config: VigilConfig; file: string } {
  const file = resolve(path);
  return { config: parseConfig(readFileSync(file, 'utf8'), file, dirname(file)), file };
}

/**
 * Loading vigil.yaml: YAML → schema → paths resolved and env files read, with every error reported
 * at once as `file:line:column: path: message`, pointing at the key or value it is about.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type YAMLError,
} from 'yaml';
import type { z } from 'zod';
import { VigilError, errorMessage } from '../errors.js';
import { EnvFileError, parseEnvFile } from './envfile.js';
import { allowedKeysAt, objectOf, schemaAt, shapeOf } from './introspect.js';
import { configErrorMap, configSchema, type ServiceConfig, type VigilConfig } from './schema.js';
import { suggest } from './suggest.js';

/** One problem in a config file, located at the line and column it is about (both 1-based). */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, such as `services.web.restart` (empty for the file as a whole). */
  path: string;
  message: string;
}

/** A config file that cannot be used; `issues` lists every problem found, not only the first. */
export class ConfigError extends VigilError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('CONFIG_INVALID', issues.map(formatIssue).join('\n'), { issues });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `vigil.yaml:12:5: services.web.restrat: unknown key (did you mean 'restart'?)` */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? i.path + ': ' : ''}${i.message}`;
}

/** ['services', 'web', 'schedule', 0, 'start'] → `services.web.schedule[0].start`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[\w.-]+$/.test(s) ? (out ? '.' : '') + s : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

type Path = readonly PropertyKey[];
/** Where an issue points: the key of the field (unknown keys, bad names) or its value. */
type Target = 'key' | 'value';
interface Located {
  path: Path;
  message: string;
  target: Target;
}

/** Finds the line and column of a path in a parsed YAML document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  at(path: Path, target: Target): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let key: unknown;
    let resolved = true;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) {
          resolved = false;
          break;
        }
        key = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        key = undefined;
      } else {
        resolved = false;
        break;
      }
    }
    // A missing field points at the key of the mapping that should hold it; a mapping or list
    // value points at its key (its own range starts at its first child, a line below).
    const pointAtKey = target === 'key' || !resolved || isCollection(node) || !hasRange(node);
    const chosen = pointAtKey && hasRange(key) ? key : hasRange(node) ? node : undefined;
    return this.pos(chosen ? chosen.range[0] : 0);
  }

  pos(offset: number): { line: number; column: number } {
    const p = this.lc.linePos(offset);
    return { line: Math.max(1, p.line), column: Math.max(1, p.col) };
  }
}

function hasRange(n: unknown): n is { range: [number, number, number] } {
  return typeof n === 'object' && n !== null && Array.isArray((n as { range?: unknown }).range);
}

function keyText(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

/** Where a syntax error is best shown: yaml places an unclosed quote's error at the end of the
 * input, so point at the quote that was opened instead. */
function syntaxErrorOffset(doc: Document, e: YAMLError): number {
  if (e.code !== 'MISSING_CHAR' || !/quote/.test(e.message)) return e.pos[0];
  let at = e.pos[0];
  visit(doc, {
    Scalar(_, node) {
      const r = node.range;
      if (
        r &&
        (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') &&
        r[0] < e.pos[0] &&
        r[1] >= e.pos[0] - 1
      )
        at = Math.min(at, r[0]);
    },
  });
  return at;
}

/** Turns zod's issues into located messages: unknown keys one by one, with a suggestion. */
function fromZod(issues: readonly z.core.$ZodIssue[], raw: unknown, prefix: Path = []): Located[] {
  const out: Located[] = [];
  for (const issue of issues) {
    const iss = { ...issue, path: [...prefix, ...issue.path] } as z.core.$ZodIssue;
    if (iss.code === 'invalid_union') {
      // When the value had the right shape for one member of a union (a mapping for `nofile`, a
      // list for `command`) but was wrong inside it, report what was wrong inside.
      const matched = iss.errors.filter((errs) =>
        errs.some((e) => e.path.length > 0 || e.code !== 'invalid_type'),
      );
      if (matched.length === 1) {
        out.push(...fromZod(matched[0] as z.core.$ZodIssue[], raw, iss.path));
        continue;
      }
    }
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys)
        out.push({ path: [...iss.path, k], message: unknownKey(iss.path, k, raw), target: 'key' });
    } else if (iss.code === 'invalid_key') {
      out.push({ path: iss.path, message: iss.issues[0]?.message ?? iss.message, target: 'key' });
    } else out.push({ path: iss.path, message: iss.message, target: 'value' });
  }
  return out;
}

function unknownKey(parent: Path, key: string, raw: unknown): string {
  const allowed = allowedKeysAt(configSchema, parent);
  const near = suggest(key, allowed);
  if (near) return `unknown key (did you mean '${near}'?)`;
  // A key that belongs one level down, such as `interval` written beside `health`.
  const obj = schemaAt(configSchema, parent);
  const shape = obj && objectOf(obj);
  if (shape) {
    for (const [field, s] of Object.entries(shapeOf(shape))) {
      const child = objectOf(s);
      if (child && key in shapeOf(child)) return `unknown key (did you mean '${field}.${key}'?)`;
      const item = schemaAt(s, [0]);
      const itemObj = item && objectOf(item);
      if (itemObj && key in shapeOf(itemObj)) return `unknown key (did you mean '${field}[].${key}'?)`;
    }
  }
  if (parent.length === 0) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && 'command' in value)
      return `unknown key (services go under 'services:'; allowed here: ${allowed.join(', ')})`;
  }
  return `unknown key (allowed here: ${allowed.join(', ')})`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Schedule windows that name a calendar the file does not declare (checked on the raw file, so
 * it is reported together with every other error). */
function crossReferences(raw: unknown): Located[] {
  if (!isRecord(raw)) return [];
  const calendars = isRecord(raw.calendars) ? Object.keys(raw.calendars) : [];
  const out: Located[] = [];
  for (const [name, svc] of Object.entries(isRecord(raw.services) ? raw.services : {})) {
    const schedule = isRecord(svc) ? svc.schedule : undefined;
    if (!Array.isArray(schedule)) continue;
    schedule.forEach((w, i) => {
      const cal = isRecord(w) ? w.calendar : undefined;
      if (typeof cal !== 'string' || calendars.includes(cal)) return;
      const near = suggest(cal, calendars);
      const known = calendars.length ? `declared: ${calendars.join(', ')}` : 'no calendars are declared';
      out.push({
        path: ['services', name, 'schedule', i, 'calendar'],
        message: `unknown calendar '${cal}' (${near ? `did you mean '${near}'? ` : ''}${known} under 'calendars')`,
        target: 'value',
      });
    });
  }
  return out;
}

/** Reads an env file, throwing a VigilError that names the file. */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VigilError(
      'ENV_FILE_INVALID',
      `env_file ${path}: ${code === 'ENOENT' ? 'no such file' : errorMessage(err)}`,
      { path },
    );
  }
  try {
    return parseEnvFile(text);
  } catch (err) {
    if (err instanceof EnvFileError)
      throw new VigilError('ENV_FILE_INVALID', `env_file ${path}: ${err.message}`, { path });
    throw err;
  }
}

/** Env files and .ics files named in the raw file: read (env) or checked (ics) now, so that a
 * missing one is reported at its line. Returns the env files' contents by absolute path. */
function fileReferences(
  raw: unknown,
  baseDir: string,
): { issues: Located[]; envFiles: Map<string, Record<string, string>> } {
  const issues: Located[] = [];
  const envFiles = new Map<string, Record<string, string>>();
  if (!isRecord(raw)) return { issues, envFiles };
  for (const [name, svc] of Object.entries(isRecord(raw.services) ? raw.services : {})) {
    if (!isRecord(svc) || typeof svc.env_file !== 'string' || svc.env_file === '') continue;
    const abs = resolve(baseDir, svc.env_file);
    try {
      envFiles.set(abs, readEnvFile(abs));
    } catch (err) {
      issues.push({ path: ['services', name, 'env_file'], message: errorMessage(err), target: 'value' });
    }
  }
  for (const [name, cal] of Object.entries(isRecord(raw.calendars) ? raw.calendars : {})) {
    if (!isRecord(cal) || typeof cal.ics !== 'string' || cal.ics === '') continue;
    const abs = resolve(baseDir, cal.ics);
    if (!existsSync(abs))
      issues.push({
        path: ['calendars', name, 'ics'],
        message: `ics file ${abs}: no such file`,
        target: 'value',
      });
  }
  return { issues, envFiles };
}

/**
 * Makes a service's paths absolute against `baseDir` (cwd defaults to it) and merges its env_file
 * under its `env` (explicit `env` wins). Used for the file's services and for `vigil start`.
 */
export function resolveService(
  service: ServiceConfig,
  baseDir: string,
  readEnv: (path: string) => Record<string, string> = readEnvFile,
): ServiceConfig {
  const out: ServiceConfig = { ...service, cwd: resolve(baseDir, service.cwd ?? '.') };
  if (service.env_file !== undefined) {
    out.env_file = resolve(baseDir, service.env_file);
    out.env = { ...readEnv(out.env_file), ...service.env };
  }
  return out;
}

/**
 * Parses and validates the text of a vigil.yaml. `fileName` is how messages name the file;
 * relative paths in it are resolved against `baseDir`. Throws ConfigError listing every problem.
 */
export function parseConfig(text: string, fileName: string, baseDir: string): VigilConfig {
  const lc = new LineCounter();
  // `merge`: YAML merge keys (`<<: *defaults`) are common in hand-written config files.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: true });
  const locator = new Locator(doc, lc);
  const located = (l: Located): ConfigIssue => ({
    file: fileName,
    ...locator.at(l.path, l.target),
    path: formatPath(l.path),
    message: l.message,
  });

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file: fileName,
        ...locator.pos(syntaxErrorOffset(doc, e)),
        path: '',
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ConfigError([{ file: fileName, line: 1, column: 1, path: '', message: errorMessage(err) }]);
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError([
      {
        file: fileName,
        line: 1,
        column: 1,
        path: '',
        message: "the file is empty: it needs a 'services:' mapping",
      },
    ]);
  }

  // Top-level `x-…` keys are free for the user, to hold YAML anchors (as in Compose files).
  if (isRecord(raw)) raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-')));
  const result = configSchema.safeParse(raw, { error: configErrorMap });
  const refs = fileReferences(raw, baseDir);
  const problems = [
    ...(result.success ? [] : fromZod(result.error.issues, raw)),
    ...crossReferences(raw),
    ...refs.issues,
  ];
  if (problems.length > 0 || !result.success) {
    const issues = problems.map(located);
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError(
      issues.filter((x, i) => i === 0 || formatIssue(x) !== formatIssue(issues[i - 1] as ConfigIssue)),
    );
  }

  const config = result.data;
  const readCached = (p: string) => refs.envFiles.get(p) ?? readEnvFile(p);
  for (const [name, svc] of Object.entries(config.services))
    config.services[name] = resolveService(svc, baseDir, readCached);
  for (const cal of Object.values(config.calendars))
    if (cal.ics !== undefined) cal.ics = resolve(baseDir, cal.ics);
  return config;
}

/** Reads, parses and validates a vigil.yaml; `file` is its absolute path. */
export function loadConfigFile(path: string): { config: VigilConfig; file: string } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VigilError(
      'CONFIG_NOT_FOUND',
      `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : errorMessage(err)}`,
      {
        path: file,
      },
    );
  }
  return { config: parseConfig(text, path, dirname(file)), file };
}

/**
 * The vigil.yaml reference, generated from the schema: one Markdown table per section (key, type,
 * default, description). `scripts/gen-config-docs.ts` writes it to docs/config.md, and a unit test
 * fails when that file differs, so the reference cannot drift from the code.
 */
import type { z } from 'zod';
import { core, defaultOf, isOptional, metaOf, objectOf, shapeOf, typeName } from './introspect.js';
import { ConfigError, parseConfig } from './load.js';
import { configSchema } from './schema.js';

type Schema = z.core.$ZodType;

interface Section {
  title: string;
  description: string;
  object: Schema;
}

const EXAMPLE = `services:
  web:
    command: python3 -u app.py        # split like sh, but run without a shell
    cwd: ./web                        # relative to this file
    env: { PORT: 8080, API_TOKEN: abc }
    limits: { nofile: 1024, memory: 256MiB }
    health: { http: http://127.0.0.1:8080/health, interval: 5s }
  strategy:
    command: [python3, -u, strategy.py]
    restart: on-failure
    max_restarts: 10 in 10m
    schedule:
      - { start: "09:20", stop: "15:15", days: weekdays, timezone: Asia/Kolkata, calendar: nse }
calendars:
  nse: { dates: [2026-01-26, 2026-03-03] }
`;

/** What the loader says about the example with three mistakes (computed, so it stays true). */
function exampleErrors(): string {
  const broken = EXAMPLE.replace('interval: 5s', 'interval: soon')
    .replace('restart: on-failure', 'restrat: on-failure')
    .replace('calendar: nse', 'calendar: nsx');
  try {
    parseConfig(broken, 'vigil.yaml', '/');
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the broken example was accepted');
}

function header(): string {
  return `# vigil.yaml reference

<!-- Generated from src/config/schema.ts by \`npx tsx scripts/gen-config-docs.ts\`. Do not edit by hand:
     test/unit/config/docs.test.ts fails when this file differs from the schema. -->

A \`vigil.yaml\` declares the services Vigil supervises. \`vigil up FILE\` or \`vigil apply FILE\` reads it.
For example:

\`\`\`yaml
${EXAMPLE}\`\`\`

A file with any error is rejected whole, and nothing changes. Every error is reported at once, one per
line, with the line and column it is about; unknown keys come with a suggestion. The example above with
\`interval: soon\`, \`restrat\` and \`calendar: nsx\`:

\`\`\`
${exampleErrors()}
\`\`\`

## Value types

- **duration**: a number with a unit, \`500ms\`, \`10s\`, \`5m\`, \`2h\`, \`7d\`, combinable (\`1h30m\`), or a
  plain number of seconds.
- **size**: \`64KiB\`, \`512MiB\`, \`1GiB\` (powers of 1024) or \`10KB\`, \`10MB\`, \`1GB\` (powers of 1000), or a
  plain number of bytes.
- **percentage**: \`70%\` or a fraction such as \`0.7\`.
- **command**: a string is split into arguments like a POSIX shell splits it (single and double quotes,
  backslashes) but no shell runs: no variables, globs, pipes or redirections; an unquoted \`|\`, \`>\`,
  \`&&\` or \`;\` is an error. Write \`[sh, -c, "…"]\` when you want a shell. A list is used as it is.
- **paths** (\`cwd\`, \`env_file\`, \`ics\`) are relative to the folder of the vigil.yaml that names them.
- **names** of services and calendars: letters, digits, \`.\`, \`_\` and \`-\`, starting with a letter or
  digit, at most 64 characters.
- **times** of schedule windows: \`HH:MM\` or \`HH:MM:SS\`. Quoting them (\`"09:20"\`) keeps YAML 1.1 tools
  from reading them as numbers; Vigil reads them either way.

Keys not listed here are errors, except top-level keys starting with \`x-\`, which are ignored so they can
hold YAML anchors; merge keys (\`<<: *common\`) work.
`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function showDefault(field: Schema): string {
  const meta = metaOf(field);
  if (meta.docDefault) return meta.docDefault;
  const d = defaultOf(field);
  if (d === undefined) return isOptional(field) ? '—' : '**required**';
  if (typeof d.value === 'object' && d.value !== null) return '—';
  return '`' + String(d.value) + '`';
}

/** The sub-section a field opens, if its value is a mapping, a map of mappings or a list of them. */
function childSection(key: string, field: Schema, prefix: string): Section | undefined {
  const c = core(field);
  const def = c._zod.def as unknown as { type: string; valueType?: Schema; element?: Schema };
  const description = metaOf(field).description ?? '';
  const path = prefix ? `${prefix}.${key}` : key;
  if (def.type === 'object') return { title: path, description, object: c };
  if (def.type === 'record' && def.valueType) {
    const obj = objectOf(def.valueType);
    if (obj)
      return {
        title: `${path}.<name>`,
        description: metaOf(def.valueType).description ?? description,
        object: obj,
      };
  }
  if (def.type === 'array' && def.element) {
    const obj = objectOf(def.element);
    if (obj && core(def.element) === obj)
      return { title: `${path}[]`, description: metaOf(def.element).description ?? description, object: obj };
  }
  return undefined;
}

/** The whole reference as Markdown. */
export function renderConfigDocs(): string {
  const out: string[] = [header()];
  const documented = new Map<Schema, string>();
  const render = (section: Section) => {
    documented.set(section.object, section.title);
    out.push(`## ${section.title === '' ? 'Top level' : '`' + section.title + '`'}\n`);
    if (section.description && section.title !== '') out.push(`${section.description}\n`);
    out.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    const children: Section[] = [];
    const prefix = section.title;
    for (const [key, field] of Object.entries(shapeOf(section.object))) {
      const child = childSection(key, field, prefix);
      let description = metaOf(field).description ?? '';
      const type = typeName(field);
      if (child) {
        const seen = documented.get(child.object) ?? children.find((c) => c.object === child.object)?.title;
        const where = seen ?? child.title;
        if (!seen) children.push(child);
        description = `${description} See [\`${where}\`](#${anchor(where)}).`.trim();
      }
      out.push(`| \`${key}\` | ${cell(type)} | ${cell(showDefault(field))} | ${cell(description)} |`);
    }
    out.push('');
    for (const c of children) render(c);
  };
  render({ title: '', description: '', object: configSchema });
  return out.join('\n');
}

/** GitHub's anchor of a heading made of `title` in backticks. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

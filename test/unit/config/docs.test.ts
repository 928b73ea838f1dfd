import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { renderConfigDocs } from '../../../src/config/docs.js';
import { core, metaOf, objectOf, shapeOf } from '../../../src/config/introspect.js';
import { configSchema } from '../../../src/config/schema.js';
import { repoRoot } from '../../helpers/paths.js';

test('docs/config.md is exactly what the schema generates (run npx tsx scripts/gen-config-docs.ts)', () => {
  const onDisk = readFileSync(join(repoRoot(), 'docs', 'config.md'), 'utf8');
  assert.equal(onDisk, renderConfigDocs());
});

test('every field of the schema has a description', () => {
  const missing: string[] = [];
  const seen = new Set<z.core.$ZodType>();
  const walk = (obj: z.core.$ZodType, path: string) => {
    if (seen.has(obj)) return;
    seen.add(obj);
    for (const [key, field] of Object.entries(shapeOf(obj))) {
      const p = path ? `${path}.${key}` : key;
      if (!metaOf(field).description) missing.push(p);
      const c = core(field);
      const def = c._zod.def as unknown as {
        type: string;
        valueType?: z.core.$ZodType;
        element?: z.core.$ZodType;
      };
      const inner = def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : field;
      const child = inner && objectOf(inner);
      if (child) walk(child, p);
    }
  };
  walk(configSchema, '');
  assert.deepEqual(missing, []);
  assert.ok(seen.size >= 12, `walked ${seen.size} sections`);
});

test('the reference lists every section and the defaults as written', () => {
  const md = renderConfigDocs();
  for (const h of [
    '## `services.<name>`',
    '## `services.<name>.health`',
    '## `services.<name>.schedule[]`',
    '## `daemon.webhooks[]`',
  ]) {
    assert.ok(md.includes(h), h);
  }
  assert.match(md, /\| `stop_grace` \| duration \| `10s` \|/);
  assert.match(md, /\| `command` \| string \\\| string\[\] \| \*\*required\*\* \|/);
  assert.match(md, /\| `max_line` \| size \| `64KiB` \|/);
});

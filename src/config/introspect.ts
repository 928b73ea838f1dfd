/**
 * Reading the shape of the zod schema at run time: which keys an object allows (for "did you mean"),
 * and each field's type, default and description (for the generated reference).
 */
import { z } from 'zod';
import type { DocMeta } from './schema.js';

// The parts of zod 4's internal definitions that this module reads.
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
  options?: Schema[];
  defaultValue?: unknown;
  entries?: Record<string, string>;
  values?: unknown[];
}
type Schema = z.core.$ZodType;

function defOf(s: Schema): Def {
  return s._zod.def as unknown as Def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** Every layer of `s` from the outside in: wrappers (optional, default…), pipes' inputs, down to the core type. */
export function layers(s: Schema): Schema[] {
  const out: Schema[] = [s];
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    const next = WRAPPERS.has(d.type) ? d.innerType : d.type === 'pipe' ? d.in : undefined;
    if (!next) return out;
    out.push(next);
    cur = next;
  }
}

/** The core type of `s`, under its wrappers and transforms. */
export function core(s: Schema): Schema {
  return layers(s).at(-1) as Schema;
}

/** The object schema that `s` is or accepts (for a union such as `nofile`, its object member). */
export function objectOf(s: Schema): Schema | undefined {
  const c = core(s);
  const d = defOf(c);
  if (d.type === 'object') return c;
  if (d.type === 'union') {
    for (const o of d.options ?? []) {
      const inner = objectOf(o);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The fields of an object schema, in declaration order. */
export function shapeOf(s: Schema): Record<string, Schema> {
  return defOf(s).shape ?? {};
}

/** The schema found at `path` inside `root` (record keys and array indices step into their values). */
export function schemaAt(root: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let cur: Schema | undefined = root;
  for (const seg of path) {
    if (!cur) return undefined;
    const c = core(cur);
    const d = defOf(c);
    if (d.type === 'record') cur = d.valueType;
    else if (d.type === 'array') cur = d.element;
    else {
      const obj = objectOf(cur);
      if (typeof seg === 'number') {
        const arr =
          d.type === 'union' ? d.options?.map(core).find((o) => defOf(o).type === 'array') : undefined;
        cur = arr ? defOf(arr).element : undefined;
      } else cur = obj ? shapeOf(obj)[String(seg)] : undefined;
    }
  }
  return cur;
}

/** The keys allowed by the object at `path`, or [] when there is none. */
export function allowedKeysAt(root: Schema, path: readonly PropertyKey[]): string[] {
  const s = schemaAt(root, path);
  const obj = s && objectOf(s);
  return obj ? Object.keys(shapeOf(obj)) : [];
}

/** Merged metadata of every layer of `s`, the outermost winning. */
export function metaOf(s: Schema): DocMeta & { description?: string } {
  const out: Record<string, unknown> = {};
  for (const l of layers(s).reverse()) Object.assign(out, z.globalRegistry.get(l) ?? {});
  return out as DocMeta & { description?: string };
}

/** True if the field may be left out (it is optional or has a default). */
export function isOptional(s: Schema): boolean {
  return layers(s).some((l) => ['optional', 'default', 'prefault'].includes(defOf(l).type));
}

/** The default of a field as written in the file ('1s', not 1000), or undefined. */
export function defaultOf(s: Schema): { value: unknown } | undefined {
  for (const l of layers(s)) {
    const d = defOf(l);
    if (d.type === 'default' || d.type === 'prefault') return { value: d.defaultValue };
  }
  return undefined;
}

/** The type of `s` as the reference shows it: `string`, `integer`, `'a' | 'b'`, `list of …`. */
export function typeName(s: Schema): string {
  const meta = metaOf(s);
  if (meta.docType) return meta.docType;
  const c = core(s);
  const d = defOf(c);
  switch (d.type) {
    case 'string':
      return 'string';
    case 'number':
      return (d as { format?: string }).format === 'safeint' ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(d.entries ?? {})
        .map((v) => `'${v}'`)
        .join(' | ');
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' | ');
    case 'array': {
      const el = d.element as Schema;
      return objectOf(el) ? 'list of mappings' : `${typeName(el)}[]`;
    }
    case 'record':
      return objectOf(d.valueType as Schema)
        ? 'map of name → mapping'
        : `map of name → ${typeName(d.valueType as Schema)}`;
    case 'object':
      return 'mapping';
    case 'union':
      return (d.options ?? []).map(typeName).join(' | ');
    default:
      return d.type;
  }
}

/** Reading the config schema back: wrappers, defaults, metadata, children by key path. */
import { z } from 'zod';
import { configMeta, type FieldMeta, type Reload } from './fields.js';
import type { ConfigPath } from './problems.js';

export interface Inspected {
  /** The schema under optional/default/prefault/pipe wrappers. */
  readonly core: z.ZodType;
  /** Metadata of every wrapper level, the outermost winning. */
  readonly meta: FieldMeta;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  /** The default as written in YAML (a prefault's input, a default's value). */
  readonly defaultValue?: unknown;
}

export function inspect(schema: z.ZodType): Inspected {
  let current: z.ZodType = schema;
  let merged: FieldMeta = {};
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    merged = { ...configMeta.get(current), ...merged };
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = current.def.defaultValue;
      }
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      break;
    }
  }
  return hasDefault
    ? { core: current, meta: merged, optional, hasDefault, defaultValue }
    : { core: current, meta: merged, optional, hasDefault };
}

/** The schema of `key` under `schema` (object key, list element, map value). */
export function childSchema(schema: z.ZodType, key: string | number): z.ZodType | undefined {
  const { core } = inspect(schema);
  if (core instanceof z.ZodObject) {
    return typeof key === 'string' && Object.hasOwn(core.shape, key)
      ? (core.shape[key] as z.ZodType)
      : undefined;
  }
  if (core instanceof z.ZodArray) return typeof key === 'number' ? (core.element as z.ZodType) : undefined;
  if (core instanceof z.ZodRecord) return core.valueType as z.ZodType;
  return undefined;
}

/** Schemas from the root down along `path`, as far as the schema goes. */
export function schemasAlong(root: z.ZodType, path: ConfigPath): z.ZodType[] {
  const out = [root];
  let current: z.ZodType | undefined = root;
  for (const key of path) {
    current = childSchema(current, key);
    if (!current) break;
    out.push(current);
  }
  return out;
}

export function schemaAt(root: z.ZodType, path: ConfigPath): z.ZodType | undefined {
  const along = schemasAlong(root, path);
  return along.length === path.length + 1 ? along[along.length - 1] : undefined;
}

/** The keys a map at `path` accepts, when it is a strict map. */
export function knownKeys(root: z.ZodType, path: ConfigPath): string[] {
  const schema = schemaAt(root, path);
  if (!schema) return [];
  const { core } = inspect(schema);
  return core instanceof z.ZodObject ? Object.keys(core.shape) : [];
}

/** The nearest `reload` annotation on the way to `path`; unannotated means restart (the safe side). */
export function reloadAt(root: z.ZodType, path: ConfigPath): Reload {
  let reload: Reload = 'restart';
  for (const schema of schemasAlong(root, path)) {
    const found = inspect(schema).meta.reload;
    if (found) reload = found;
  }
  return reload;
}

/** The merged metadata of the key at `path`, if the schema has it. */
export function metaAt(root: z.ZodType, path: ConfigPath): FieldMeta | undefined {
  const schema = schemaAt(root, path);
  return schema ? inspect(schema).meta : undefined;
}

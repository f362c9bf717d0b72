/**
 * The YAML side of loading: parse with node ranges, substitute `${VAR}` in scalar values in
 * place (so positions keep pointing at the source), convert to plain data, and map key paths
 * back to line:column.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
} from 'yaml';
import { type Env, hasReference, resolvePlainScalar, substituteEnv } from './env.js';
import { type ConfigPath, type ConfigProblem, formatPath } from './problems.js';
import { aliasProblems, forbiddenKeyProblems, MAX_EXPANDED_NODES } from './yaml-guards.js';

export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface ConfigSource {
  readonly file: string;
  /** Where the value at `path` is written (or its nearest written ancestor). */
  locate(path: ConfigPath): SourcePosition | undefined;
  /** Where the key `key` of the map at `parent` is written. */
  locateKey(parent: ConfigPath, key: string): SourcePosition | undefined;
  /** Environment variables substituted into the value at `path`. */
  envVarsAt(path: ConfigPath): readonly string[];
}

export interface ParsedYaml {
  readonly source: ConfigSource;
  /** Plain data after substitution; `null` values in maps are dropped (= unset). */
  readonly data: unknown;
  readonly problems: readonly ConfigProblem[];
}

/** Positions unknown: for configs built from objects rather than files. */
export function sourceless(file: string): ConfigSource {
  return { file, locate: () => undefined, locateKey: () => undefined, envVarsAt: () => [] };
}

function keyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

export function parseYaml(text: string, file: string, env: Env): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true });
  const problems: ConfigProblem[] = [];
  const substituted = new WeakMap<Node, readonly string[]>();

  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  for (const error of doc.errors) {
    const at = error.linePos?.[0];
    problems.push({
      file,
      ...(at ? { line: at.line, column: at.col } : {}),
      path: '',
      message: `YAML syntax error: ${firstLine(error.message)}`,
    });
  }

  const nodeAt = (path: ConfigPath): unknown => (path.length === 0 ? doc.contents : doc.getIn(path, true));

  const source: ConfigSource = {
    file,
    locate(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = nodeAt(path.slice(0, depth)) as Node | undefined;
        if (node && typeof node === 'object' && node.range) return position(node.range[0]);
      }
      return undefined;
    },
    locateKey(parent, key) {
      const node = nodeAt(parent);
      if (isMap(node)) {
        const pair = node.items.find((item) => keyName(item.key) === key);
        const range = isScalar(pair?.key) ? pair.key.range : undefined;
        if (range) return position(range[0]);
      }
      return source.locate(parent);
    },
    envVarsAt(path) {
      const node = nodeAt(path);
      return node && typeof node === 'object' ? (substituted.get(node as Node) ?? []) : [];
    },
  };

  // toJS throws on an alias whose anchor is missing; report each one where it stands instead.
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) !== undefined) return;
      const at = alias.range ? position(alias.range[0]) : undefined;
      problems.push({
        file,
        ...(at ? { line: at.line, column: at.column } : {}),
        path: '',
        message: `YAML alias *${alias.source} refers to no anchor &${alias.source} defined before it`,
      });
    },
  });

  if (problems.length === 0) problems.push(...forbiddenKeyProblems(doc, file, position));
  if (problems.length === 0) problems.push(...aliasProblems(doc, file, position));
  if (problems.length > 0) return { source, data: undefined, problems };

  const substitute = (node: Scalar, path: ConfigPath) => {
    if (typeof node.value !== 'string' || !hasReference(node.value)) return;
    const result = substituteEnv(node.value, env);
    substituted.set(node, result.vars);
    const at = node.range ? position(node.range[0]) : undefined;
    const where = at ? { line: at.line, column: at.column } : {};
    for (const error of result.errors)
      problems.push({ file, ...where, path: formatPath(path), message: error });
    for (const name of result.missing) {
      problems.push({
        file,
        ...where,
        path: formatPath(path),
        message: `environment variable ${name} is not set (write \${${name}:-default} to make it optional)`,
      });
    }
    if (result.value === '') node.value = null;
    else node.value = node.type === 'PLAIN' ? resolvePlainScalar(result.value) : result.value;
  };

  const walk = (node: unknown, path: ConfigPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) walk(pair.value, [...path, keyName(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    } else if (isScalar(node)) {
      substitute(node, path);
    }
  };
  walk(doc.contents, []);

  try {
    return { source, data: dropNulls(toPlain(doc)), problems };
  } catch (error) {
    // The guards above should leave nothing for toJS to refuse; if it still does, a problem it is.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      source,
      data: undefined,
      problems: [...problems, { file, path: '', message: `YAML: ${reason}` }],
    };
  }
}

function toPlain(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: MAX_EXPANDED_NODES });
}

/** `key:` with no value (or an empty substitution) means "unset": the default applies. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== null && inner !== undefined) out[key] = dropNulls(inner);
    }
    return out;
  }
  return value;
}

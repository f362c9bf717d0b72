/**
 * Checks on the YAML tree before it becomes plain data: keys that would reach an object's
 * prototype, and aliases that expand without bound (an "alias bomb") or refer to themselves.
 * Each is a config problem with its line and column, never an exception.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { type ConfigPath, type ConfigProblem, formatPath } from './problems.js';
import type { SourcePosition } from './yaml-source.js';

/** Keys refused anywhere: as object keys they reach (or shadow) the prototype chain. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Most nodes a config may hold once its aliases are expanded. The shipped config has a few
 * hundred; a billion-laughs file has millions after a few lines.
 */
export const MAX_EXPANDED_NODES = 10_000;

type Position = (offset: number) => SourcePosition;

function where(node: { range?: readonly number[] | null | undefined }, position: Position) {
  const start = node.range?.[0];
  if (start === undefined) return {};
  const at = position(start);
  return { line: at.line, column: at.column };
}

export function forbiddenKeyProblems(doc: Document, file: string, position: Position): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: ConfigPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (FORBIDDEN_KEYS.has(name)) {
          problems.push({
            file,
            ...(isScalar(pair.key) ? where(pair.key, position) : {}),
            path: formatPath([...path, name]),
            message: `the key "${name}" is refused anywhere in the config (it could tamper with object prototypes)`,
          });
        } else {
          walk(pair.value, [...path, name]);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    }
  };
  walk(doc.contents, []);
  return problems;
}

/**
 * Counts the nodes the document becomes with every alias expanded (capped just above the
 * limit), and reports the alias that expands most when the total is too large, or any alias
 * that refers to a node containing it.
 */
export function aliasProblems(doc: Document, file: string, position: Position): ConfigProblem[] {
  const cap = MAX_EXPANDED_NODES + 1;
  const sizes = new Map<unknown, number>();
  const onPath = new Set<unknown>();
  const aliases: { node: Node; source: string; size: number }[] = [];
  const cycles: ConfigProblem[] = [];

  const sizeOf = (node: unknown): number => {
    if (node === null || node === undefined || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (onPath.has(node)) return cap;
    onPath.add(node);
    let size = 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target && onPath.has(target)) {
        cycles.push({
          file,
          ...where(node, position),
          path: '',
          message: `YAML alias *${node.source} refers to a node that contains it (a cycle): refused`,
        });
        size = cap;
      } else {
        size = sizeOf(target);
      }
      aliases.push({ node, source: node.source, size });
    } else if (isMap(node) || isSeq(node)) {
      // No early exit: every alias gets its size, so the one that expands most is named.
      for (const item of node.items) {
        size += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : sizeOf(item);
      }
    }
    onPath.delete(node);
    const capped = Math.min(size, cap);
    sizes.set(node, capped);
    return capped;
  };

  const total = sizeOf(doc.contents);
  if (cycles.length > 0) return cycles;
  if (total <= MAX_EXPANDED_NODES) return [];
  const largest = aliases.reduce(
    (best, alias) => (best === undefined || alias.size > best.size ? alias : best),
    undefined as (typeof aliases)[number] | undefined,
  );
  return [
    {
      file,
      ...(largest ? where(largest.node, position) : {}),
      path: '',
      message: `YAML aliases expand the config to more than ${MAX_EXPANDED_NODES} values (an alias bomb?): refused${largest ? `; the alias *${largest.source} here expands to ${largest.size >= cap ? `over ${MAX_EXPANDED_NODES}` : largest.size}` : ''}`,
    },
  ];
}

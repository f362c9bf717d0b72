/**
 * Mutations of recorded response bodies: what a changed API, a broken proxy or a bug at the
 * exchange could hand the client. Structural ones act on the JSON tree, textual ones on the
 * serialised body.
 */
import fc from 'fast-check';

type Path = readonly (string | number)[];

/** Every path in a JSON tree (the root excluded). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...pathsOf(v, [...prefix, i]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  }
  return out;
}

function parentOf(
  root: unknown,
  path: Path,
): { parent: Record<string | number, unknown>; key: string | number } | undefined {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string | number, unknown>;
    if (node === null || typeof node !== 'object') return undefined;
  }
  return { parent: node, key: path[path.length - 1]! };
}

/** Decimal strings that are almost right, or very wrong. */
export const TRICKY_DECIMALS = [
  '',
  ' ',
  '.',
  '-',
  '0.5.5',
  '1e3',
  '1E-2',
  '-0.5',
  '+0.5',
  '.5',
  '5.',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  '1,5',
  '0,50',
  '0.1234567',
  '0.12345678901',
  '0.1200000000',
  '99999999999999999999',
  '9007199254.740993',
  '9007199254.740991',
  '٠.٥',
  '0.5\n',
  ' 0.50 ',
  '00.5',
  '-0',
  '1e-7',
  '0.0000001',
  '12345678901234567890.5',
  '1.000001',
  '0.999999',
  '1',
  '1.00',
  '-1.00',
  '0.00',
  'null',
  'true',
  '[]',
  '{}',
  '½',
];

/** Values of every JSON type, including extremes. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1,
    0.5,
    -0.0001,
    1e21,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 53 + 2,
    1.5e-10,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...TRICKY_DECIMALS),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), {
    maxKeys: 2,
  }),
);

export type Mutation =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'number'; readonly at: number; readonly value: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'decimal'; readonly at: number; readonly value: string }
  | { readonly kind: 'enum'; readonly at: number; readonly value: string }
  | { readonly kind: 'extra'; readonly at: number; readonly name: string; readonly value: unknown };

export type TextMutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'splice'; readonly at: number; readonly text: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'html' };

/** Numbers a JSON number field should never hold, or only just. */
const EXTREME_NUMBERS = [-1, 0, 0.5, 1e-7, 1e21, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 123.456, -0.000001];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.nat(),
    value: fc.constantFrom(...EXTREME_NUMBERS),
  }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyJson }),
  fc.record({
    kind: fc.constant('decimal' as const),
    at: fc.nat(),
    value: fc.constantFrom(...TRICKY_DECIMALS),
  }),
  fc.record({
    kind: fc.constant('decimal' as const),
    at: fc.nat(),
    value: fc.stringMatching(/^-?[0-9]{0,22}(\.[0-9]{0,12})?$/),
  }),
  fc.record({ kind: fc.constant('enum' as const), at: fc.nat(), value: fc.string({ maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('extra' as const),
    at: fc.nat(),
    name: fc.string({ minLength: 1, maxLength: 10 }),
    value: anyJson,
  }),
);

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    text: fc.constantFrom('"', '}', ']', ',', '{', 'x', '\\', '\u0000', ':null'),
  }),
  fc.constant({ kind: 'empty' as const }),
  fc.constant({ kind: 'html' as const }),
);

/** Applies structural mutations to a deep copy. */
export function mutate(body: unknown, mutations: readonly Mutation[]): unknown {
  const root = { body: structuredClone(body) };
  for (const m of mutations) {
    const paths = pathsOf(root.body).map((p) => ['body', ...p] as Path);
    if (m.kind === 'extra') {
      const objects = [['body'] as Path, ...paths].filter((p) => {
        const node = p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root);
        return node !== null && typeof node === 'object' && !Array.isArray(node);
      });
      const target = objects[m.at % objects.length]!;
      const node = target.reduce<unknown>(
        (n, k) => (n as Record<string | number, unknown>)[k],
        root,
      ) as Record<string, unknown>;
      node[m.name] = m.value;
      continue;
    }
    const candidates =
      m.kind === 'number'
        ? paths.filter(
            (p) =>
              typeof p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root) ===
              'number',
          )
        : paths;
    if (candidates.length === 0) continue;
    const path = candidates[m.at % candidates.length]!;
    const found = parentOf(root, path);
    if (!found) continue;
    const { parent, key } = found;
    if (m.kind === 'drop') {
      if (Array.isArray(parent)) parent[key as number] = null;
      else delete parent[key];
    } else if (m.kind === 'replace' || m.kind === 'number') parent[key] = m.value;
    else if (typeof parent[key] === 'string' || m.kind === 'decimal') parent[key] = m.value;
  }
  return root.body;
}

export function mutateText(text: string, m: TextMutation): string {
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, m.at % Math.max(1, text.length));
    case 'splice': {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'empty':
      return '';
    case 'html':
      return '<html><body><h1>502 Bad Gateway</h1></body></html>';
  }
}

/**
 * The README's config reference, generated from the schema (scripts/config-reference.ts writes
 * it; a unit test fails when the README's block is stale).
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import { MIN_OPS_TOKEN_LENGTH, SECRET_ENV } from './secrets.js';
import { inspect } from './walk.js';

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

export interface ReferenceRow {
  /** Dotted path; list elements are written `routes[]`. */
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly reload: 'hot' | 'restart';
  readonly description: string;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function literal(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\``;
  return `\`${JSON.stringify(value)}\``;
}

function typeLabel(core: z.ZodType, label: string | undefined): string {
  if (label) return label;
  if (core instanceof z.ZodEnum) return core.options.map((option) => `\`${String(option)}\``).join(', ');
  if (core instanceof z.ZodBoolean) return 'boolean';
  if (core instanceof z.ZodString) return 'string';
  if (core instanceof z.ZodNumber) return 'number';
  if (core instanceof z.ZodArray) return 'list';
  if (core instanceof z.ZodObject || core instanceof z.ZodRecord) return 'map';
  return 'value';
}

/** Every key of the schema in document order, nested maps flattened, with inherited reload. */
export function referenceRows(schema: z.ZodType = configSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const visit = (node: z.ZodType, key: string, inherited: 'hot' | 'restart') => {
    const info = inspect(node);
    const reload = info.meta.reload ?? inherited;
    const { core } = info;
    const objectShape = core instanceof z.ZodObject ? core.shape : undefined;
    const element = core instanceof z.ZodArray ? inspect(core.element as z.ZodType) : undefined;
    const elementShape = element && element.core instanceof z.ZodObject ? element.core.shape : undefined;

    if (!objectShape) {
      let fallback = '';
      if (info.hasDefault) fallback = literal(info.defaultValue);
      else if (info.optional) fallback = 'unset';
      else fallback = 'required';
      rows.push({
        key,
        type: typeLabel(core, info.meta.type),
        default: info.meta.defaultLabel ?? fallback,
        reload,
        description: info.meta.description ?? '',
      });
    }
    if (objectShape) {
      for (const [child, schema] of Object.entries(objectShape)) {
        visit(schema as z.ZodType, key ? `${key}.${child}` : child, reload);
      }
    } else if (elementShape) {
      for (const [child, schema] of Object.entries(elementShape)) {
        visit(schema as z.ZodType, `${key}[].${child}`, reload);
      }
    }
  };
  visit(schema, '', 'restart');
  return rows;
}

/** A Markdown table padded the way the repository's formatter (biome) lays it out. */
function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string[] {
  const width = (text: string) => [...text].length;
  const widths = header.map((title, i) =>
    Math.max(3, width(title), ...body.map((row) => width(row[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function table(rows: readonly ReferenceRow[]): string[] {
  return markdownTable(
    ['Key', 'Type', 'Default', 'Reload', 'Description'],
    rows.map((row) => [
      `\`${row.key}\``,
      cell(row.type),
      cell(row.default),
      row.reload,
      cell(row.description),
    ]),
  );
}

/** The Markdown between the README markers (markers excluded). */
export function renderConfigReference(schema: z.ZodObject = configSchema): string {
  const rows = referenceRows(schema);
  const lines: string[] = [
    '<!-- Generated from src/config/schema.ts by `npm run config:reference`; do not edit by hand. -->',
    '',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: documents the literal ${VAR} syntax
    'Values may use `${VAR}` (the variable must be set), `${VAR:-default}` (default when unset or empty)',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: documents the literal ${VAR} syntax
    'or `${VAR-default}` (default when unset); `$${` is a literal `${`. A key with an empty value is unset.',
    'Dollar amounts and contract counts are decimal strings (`"0.02"`, `"2.5"`). Relative paths resolve',
    'against the config file’s folder. **Reload**: `hot` keys apply to a running bot on reload;',
    'changing a `restart` key makes the reload be refused. The `--check-config` flag validates a file and lists every problem.',
    '',
    'Secrets are read only from the environment (or the key file), never from YAML literals:',
    '',
    ...markdownTable(
      ['Variable', 'Use'],
      [
        [`\`${SECRET_ENV.apiKeyId}\``, 'API key id (demo, production).'],
        [`\`${SECRET_ENV.privateKeyPem}\``, 'The RSA private key as PEM text (`\\n` escapes allowed).'],
        [
          `\`${SECRET_ENV.privateKeyPath}\``,
          'File holding the PEM, when `exchange.privateKeyPath` is unset.',
        ],
        [
          `\`${SECRET_ENV.opsToken}\``,
          `Bearer token of \`POST /kill\` and \`POST /resume\` (at least ${MIN_OPS_TOKEN_LENGTH} characters); unset disables both.`,
        ],
        [
          `\`${SECRET_ENV.opsMetricsToken}\``,
          `When set, \`GET /metrics\` and the detailed \`GET /readyz\` need it (or \`OPS_TOKEN\`) as a bearer token; at least ${MIN_OPS_TOKEN_LENGTH} characters, not equal to \`OPS_TOKEN\`.`,
        ],
      ],
    ),
  ];
  const sections = new Map<string, ReferenceRow[]>();
  for (const row of rows) {
    const [head = ''] = row.key.split('.');
    const section = row.key.includes('.') ? head : '';
    const list = sections.get(section) ?? [];
    list.push(row);
    sections.set(section, list);
  }
  for (const [section, sectionRows] of sections) {
    const title = section ? `\`${section}\`` : 'Top level';
    const description = section
      ? (inspect(configSchema.shape[section as keyof typeof configSchema.shape] as z.ZodType).meta
          .description ?? '')
      : '';
    lines.push('', `### ${title}${description ? ` — ${description}` : ''}`, '', ...table(sectionRows));
  }
  return lines.join('\n');
}

/** Replaces the block between the markers; throws when the markers are missing. */
export function replaceReferenceBlock(readme: string, block: string = renderConfigReference()): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) {
    throw new Error(`README has no ${REFERENCE_START} … ${REFERENCE_END} block`);
  }
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${block}\n${readme.slice(end)}`;
}

/** The block currently in a README (markers excluded), or `undefined`. */
export function extractReferenceBlock(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return readme
    .slice(start + REFERENCE_START.length, end)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

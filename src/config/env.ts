/**
 * `${VAR}` substitution in config values, shell-style:
 * - `${VAR}`          the variable; unset is an error (empty is allowed);
 * - `${VAR:-default}` the default when VAR is unset or empty;
 * - `${VAR-default}`  the default when VAR is unset;
 * - `$${`             a literal `${`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Substitution {
  readonly value: string;
  /** Variables referenced, in order. */
  readonly vars: readonly string[];
  /** Referenced without a default and unset. */
  readonly missing: readonly string[];
  /** Malformed references. */
  readonly errors: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function hasReference(text: string): boolean {
  return text.includes('${');
}

export function substituteEnv(text: string, env: Env): Substitution {
  const vars: string[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('$', i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    if (text.startsWith('$${', start)) {
      out += '${';
      i = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      out += '$';
      i = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      errors.push(`unclosed "\${" in ${JSON.stringify(text)}`);
      out += text.slice(start);
      break;
    }
    const body = text.slice(start + 2, end);
    i = end + 1;
    const operator = /^([^:-]*)(:-|-)([\s\S]*)$/.exec(body);
    const name = operator ? (operator[1] ?? '') : body;
    if (!NAME.test(name)) {
      errors.push(`"\${${body}}" is not a variable reference (expected \${NAME} or \${NAME:-default})`);
      continue;
    }
    vars.push(name);
    const value = env[name];
    if (operator) {
      const useDefault = operator[2] === ':-' ? value === undefined || value === '' : value === undefined;
      out += useDefault ? (operator[3] ?? '') : (value ?? '');
    } else if (value === undefined) {
      missing.push(name);
    } else {
      out += value;
    }
  }
  return { value: out, vars, missing, errors };
}

/**
 * What an unquoted YAML scalar means once substituted: `9464` is a number, `true` a boolean,
 * anything else a string (YAML 1.2 core schema, the subset config values use).
 */
export function resolvePlainScalar(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (/^(true|True|TRUE)$/.test(trimmed)) return true;
  if (/^(false|False|FALSE)$/.test(trimmed)) return false;
  if (/^[-+]?\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isSafeInteger(n)) return n;
  }
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

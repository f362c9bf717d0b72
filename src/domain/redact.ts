/**
 * The one redaction every printed text goes through: log lines, config problems, crash reports,
 * `--print-config`, the simulator's command line. Pure (no I/O), so the bot, the config loader
 * and the simulator all share it.
 */

export const REDACTED = '[REDACTED]';

/** Last words of a name that hold a secret: `opsToken`, `db_password`, `privateKeyPem`, `x-signature`. */
const SECRET_LAST_WORDS: ReadonlySet<string> = new Set([
  'apikey',
  'accesskey',
  'auth',
  'authorization',
  'bearer',
  'cookie',
  'credential',
  'credentials',
  'keyid',
  'passphrase',
  'passwd',
  'password',
  'pem',
  'privatekey',
  'secret',
  'secretkey',
  'secrets',
  'signature',
  'token',
]);

/** Last two words, joined, that hold a secret: `api_key`, `apiKeyId`, `KALSHI-ACCESS-KEY`. */
const SECRET_LAST_PAIRS: ReadonlySet<string> = new Set([
  'apikey',
  'accesskey',
  'keyid',
  'privatekey',
  'secretkey',
]);

/** URL query parameters are terser: `?key=…`, `&sig=…` are credentials there. */
const SECRET_QUERY_WORDS: ReadonlySet<string> = new Set(['key', 'sig']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/**
 * Whether a key, header, variable or query parameter name says its value is a secret, judged
 * by its last word(s): `apiKeyId`, `OPS_TOKEN`, `Authorization`, `api_key` are;
 * `confirmReserveTokens`, `privateKeyPath`, `token_cost` are not.
 */
export function isSecretName(name: string, context: 'key' | 'query' = 'key'): boolean {
  const memo = context === 'key' ? KEY_MEMO : QUERY_MEMO;
  let secret = memo.get(name);
  if (secret === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    secret = judgeName(name, context);
    memo.set(name, secret);
  }
  return secret;
}

// Log lines repeat the same few dozen field names: judge each once.
const MEMO_LIMIT = 4096;
const KEY_MEMO = new Map<string, boolean>();
const QUERY_MEMO = new Map<string, boolean>();

function judgeName(name: string, context: 'key' | 'query'): boolean {
  const parts = words(name);
  const last = parts.at(-1);
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  if (context === 'query' && parts.length === 1 && SECRET_QUERY_WORDS.has(last)) return true;
  return parts.length >= 2 && SECRET_LAST_PAIRS.has(`${parts.at(-2)}${last}`);
}

/**
 * `-----BEGIN <anything>-----` … `-----END <anything>-----`, also cut short, also with `\n`
 * escapes; and an END line on its own (the tail of a key split apart, e.g. at an `=`).
 */
const PEM_BLOCK =
  /-----BEGIN[A-Z0-9 ]*(?:-----)?(?:(?!-----END)(?:[A-Za-z0-9+/=\s:,.-]|\\+[nrt]))*(?:-----END[A-Z0-9 ]*-----)?|-----END[A-Z0-9 ]*-----/g;

/**
 * An Authorization header's credentials, wherever they were copied to. Basic credentials are
 * base64 (a digit, `+`, `/` or `=` in them), so prose such as "Basic confirmation" stays.
 */
const AUTH_SCHEME = /\b(Bearer|BEARER|bearer|Basic)([ \t]+)(?:[A-Za-z0-9._~+/=-]{8,})/g;

function isCredential(scheme: string, token: string): boolean {
  return scheme !== 'Basic' || (/^[A-Za-z0-9+/]+={0,2}$/.test(token) && /[0-9+/=]/.test(token));
}

/** A JSON field `"name": "value"`; the name decides. */
const JSON_FIELD = /"((?:[^"\\]|\\.){1,80})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** Cheap necessary condition for JSON_FIELD to change anything: some key ends in a secret word. */
const SECRET_KEY_HINT =
  /(?:token|secrets?|passw(?:or)?d|passphrase|auth|authorization|bearer|cookie|credentials?|signature|pem|key|key[_-]?id)"\s*:/i;

/** `name=value` in URL queries, env-style assignments and form bodies; the name decides. */
const ASSIGNMENT = /(?<![A-Za-z0-9_.[\]-])([A-Za-z0-9_.[\]-]{1,80})=([^&\s"'#<>,;)]+)/g;

/** A JSON Web Token. */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** A long base64 run (a key body line, a signature); mixed case and digits, so hex ids stay. */
const BASE64_RUN = /[A-Za-z0-9+/]{64,}={0,2}/g;

/** Whether the text holds a run of base64 characters at least `length` long (a scan beats the regex). */
function hasBase64Run(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const base64 =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    run = base64 ? run + 1 : 0;
    if (run >= length) return true;
  }
  return false;
}

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Shortest secret redacted by value: shorter strings would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 6;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret value takes in printed text: as is, JSON-escaped, URL-encoded, a PEM's body lines. */
function secretForms(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  const multiline = secret.includes('-----BEGIN') || secret.includes('\n');
  // A token or key id may travel in a URL; a key's lines are matched one by one below.
  if (!multiline) forms.push(encodeURIComponent(secret));
  if (multiline) {
    // Each body line of a key is secret on its own (a text may hold a fragment).
    for (const line of secret.split(/\r?\n|\\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 16 && !trimmed.startsWith('-----')) forms.push(trimmed);
    }
  }
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
}

export type Redactor = (text: string) => string;

/**
 * A function that replaces, in any text: PEM blocks (complete or cut short), the given secret
 * values wherever they occur (API key id, ops token, the PEM and each of its lines), bearer and
 * basic credentials, JSON fields and `name=value` pairs whose name is secret (URL queries
 * included), JSON Web Tokens and long random base64 runs.
 */
export function createRedactor(secrets: readonly (string | undefined)[] = []): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    const value = secret?.trim();
    if (value && value.length >= MIN_SECRET_LENGTH) for (const form of secretForms(value)) forms.add(form);
  }
  const literal =
    forms.size > 0
      ? new RegExp(
          [...forms]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        )
      : undefined;
  return (text) => {
    let out = text.replace(PEM_BLOCK, REDACTED);
    if (literal) out = out.replace(literal, REDACTED);
    out = out.replace(AUTH_SCHEME, (match, scheme: string, space: string) =>
      isCredential(scheme, match.slice(scheme.length + space.length))
        ? `${scheme}${space}${REDACTED}`
        : match,
    );
    if (SECRET_KEY_HINT.test(out)) {
      out = out.replace(JSON_FIELD, (field, name: string, colon: string) =>
        isSecretName(name) ? `"${name}"${colon}"${REDACTED}"` : field,
      );
    }
    if (out.includes('=')) {
      out = out.replace(ASSIGNMENT, (pair, name: string, value: string) =>
        value !== REDACTED && isSecretName(name, 'query') ? `${name}=${REDACTED}` : pair,
      );
    }
    if (out.includes('eyJ')) out = out.replace(JWT, REDACTED);
    if (!hasBase64Run(out, 64)) return out;
    return out.replace(BASE64_RUN, (run) => (looksRandom(run) ? REDACTED : run));
  };
}

/** Redacts one text with the default rules plus the given secret values. */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  return createRedactor(secrets)(text);
}

/**
 * A redacted deep copy of plain data (a config, strategy options): values under secret names
 * become `[REDACTED]` (whole maps and lists too), other strings pass through the redactor (URL
 * query secrets, PEM blocks). Booleans and empty values stay: "set or not" is not the secret.
 */
export function redactValue(value: unknown, redact: Redactor = createRedactor()): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        isSecretName(key) &&
        inner !== null &&
        inner !== undefined &&
        inner !== '' &&
        typeof inner !== 'boolean'
          ? REDACTED
          : redactValue(inner, redact),
      ]),
    );
  }
  return value;
}

/**
 * The values of environment variables whose names say they are secrets (`KALSHI_API_KEY_ID`,
 * `KALSHI_PRIVATE_KEY_PEM`, `OPS_TOKEN`, `METRICS_TOKEN`, …): what to redact before a config
 * has told us which secrets are ours.
 */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && isSecretName(name))
    .map(([, value]) => value as string);
}

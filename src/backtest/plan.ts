/**
 * What runs a backtest makes, and the config of each: `--strategy NAME` (repeatable) runs every
 * RFQ through one strategy at a time; `--set path=v1,v2` (repeatable) sweeps values, every
 * combination a run. Overrides are applied to the YAML before validation, so a bad value fails
 * exactly as it would in config.yaml.
 *
 * Paths are the config's own (`risk.maxOpenQuotes`, `quoting.ttlMs`, `strategies.routes.0.options.spread`),
 * plus `strategies.<name>.…` for the route named <name>, or else every route using the strategy
 * <name>: `--set strategies.fixed-spread.options.spread=0.03,0.05`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { type Config, type Env, formatConfigProblems, loadConfigText } from '../config/index.js';

export class PlanError extends Error {
  override readonly name = 'PlanError';
  readonly code = 'invalid_backtest_plan';
}

export interface Assignment {
  readonly path: string;
  readonly value: string;
}

export interface RunPlan {
  /** The run's column title: the strategy and the swept values. */
  readonly label: string;
  readonly strategy: string | undefined;
  readonly assignments: readonly Assignment[];
}

/** Splits `path=v1,v2` into the path and its values. */
export function parseSet(text: string): { path: string; values: string[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new PlanError(`--set ${text}: expected path=value or path=v1,v2,…`);
  const path = text.slice(0, eq).trim();
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim());
  if (path === '' || values.some((v) => v === ''))
    throw new PlanError(`--set ${text}: a path and non-empty values are needed`);
  return { path, values };
}

/** Every combination of strategies and swept values, in a stable order. */
export function planRuns(strategies: readonly string[], sets: readonly string[]): RunPlan[] {
  const sweeps = sets.map(parseSet);
  let combos: Assignment[][] = [[]];
  for (const { path, values } of sweeps) {
    combos = combos.flatMap((combo) => values.map((value) => [...combo, { path, value }]));
  }
  const heads = strategies.length > 0 ? strategies : [undefined];
  const plans: RunPlan[] = [];
  for (const strategy of heads) {
    for (const assignments of combos) {
      const swept = assignments
        .filter((a) => (sweeps.find((s) => s.path === a.path)?.values.length ?? 0) > 1)
        .map((a) => `${a.path.split('.').pop()}=${a.value}`);
      const label = [strategy ?? 'config', ...swept].join(' ');
      plans.push({ label, strategy, assignments });
    }
  }
  const labels = new Set<string>();
  for (const plan of plans) {
    if (labels.has(plan.label))
      throw new PlanError(`two runs would both be "${plan.label}": a value repeats`);
    labels.add(plan.label);
  }
  return plans;
}

type Path = (string | number)[];

function routesOf(doc: Document): unknown[] {
  const routes = doc.getIn(['strategies', 'routes'], true);
  return isSeq(routes) ? routes.items : [];
}

/** The document paths a `--set` path names (several when it names a strategy used by several routes). */
function resolvePaths(doc: Document, path: string): Path[] {
  const parts: Path = path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (
    parts[0] === 'strategies' &&
    typeof parts[1] === 'string' &&
    !['dir', 'timeoutMs', 'routes'].includes(parts[1])
  ) {
    const name = parts[1];
    const rest = parts.slice(2);
    const routes = routesOf(doc);
    const byName = routes.findIndex((r) => isMap(r) && r.get('name') === name);
    if (byName >= 0) return [['strategies', 'routes', byName, ...rest]];
    const byStrategy = routes.flatMap((r, i) => (isMap(r) && r.get('strategy') === name ? [i] : []));
    if (byStrategy.length === 0)
      throw new PlanError(`--set ${path}: no route is named "${name}" or uses the strategy "${name}"`);
    return byStrategy.map((i) => ['strategies', 'routes', i, ...rest]);
  }
  return [parts];
}

/** The value typed as the key already is in the file (a number stays a number); money stays a string. */
function typed(doc: Document, path: Path, text: string): unknown {
  const existing = doc.getIn(path, true);
  const current = isScalar(existing) ? existing.value : undefined;
  if (typeof current === 'number') {
    const n = Number(text);
    if (!Number.isFinite(n)) throw new PlanError(`--set ${path.join('.')}=${text}: expected a number`);
    return n;
  }
  if (typeof current === 'boolean' || (current === undefined && (text === 'true' || text === 'false')))
    return text === 'true';
  if (current === undefined && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

/**
 * The config of one run: the file with `--strategy` (one catch-all route to it, with the options
 * of the first route that used it) and the assignments applied, validated as the bot would.
 */
export function configFor(
  configPath: string,
  plan: Pick<RunPlan, 'strategy' | 'assignments'>,
  env: Env = process.env,
): Config {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new PlanError(
      `cannot read the config ${configPath}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const doc = parseDocument(text);
  // A file YAML cannot parse: the loader reports it (with its position) as for the bot.
  if (doc.errors.length > 0) return validated(text, configPath, env, plan);
  if (plan.strategy !== undefined) {
    const template = routesOf(doc).find((r) => isMap(r) && r.get('strategy') === plan.strategy);
    const options = isMap(template) ? (template.get('options', true) ?? {}) : {};
    doc.setIn(
      ['strategies', 'routes'],
      doc.createNode([{ name: plan.strategy, match: {}, strategy: plan.strategy }]),
    );
    doc.setIn(['strategies', 'routes', 0, 'options'], options);
  }
  for (const { path, value } of plan.assignments) {
    for (const target of resolvePaths(doc, path)) doc.setIn(target, typed(doc, target, value));
  }
  return validated(doc.toString(), configPath, env, plan);
}

function validated(text: string, configPath: string, env: Env, plan: Pick<RunPlan, 'assignments'>): Config {
  const result = loadConfigText(text, { file: configPath, env, baseDir: dirname(resolve(configPath)) });
  if (!result.ok) {
    const what = plan.assignments.map((a) => `${a.path}=${a.value}`).join(' ');
    throw new PlanError(
      `${what ? `with ${what}: ` : ''}the config is invalid:\n${formatConfigProblems(result.problems)}`,
    );
  }
  return result.config;
}

/**
 * Ticker globs for routing and filters: `*` matches any run of characters, `?` one character;
 * everything else is literal and matching is case-sensitive (tickers are upper case).
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Answers a compiled glob list remembers (tickers repeat: every quote asks about its market). */
const GLOB_ANSWERS_KEPT = 10_000;

export function compileGlobs(globs: readonly string[]): (value: string) => boolean {
  const patterns = globs.map(globToRegExp);
  if (patterns.length === 0) return () => false;
  const answers = new Map<string, boolean>();
  return (value) => {
    let matches = answers.get(value);
    if (matches === undefined) {
      matches = patterns.some((pattern) => pattern.test(value));
      if (answers.size >= GLOB_ANSWERS_KEPT) answers.clear();
      answers.set(value, matches);
    }
    return matches;
  };
}

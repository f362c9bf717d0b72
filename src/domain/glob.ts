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

export function compileGlobs(globs: readonly string[]): (value: string) => boolean {
  const patterns = globs.map(globToRegExp);
  return (value) => patterns.some((pattern) => pattern.test(value));
}

/**
 * The documentation's links: every relative link in a tracked Markdown file names a file of the
 * repository, and none leaves it (the README is read on its own, in a clone or a package).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MARKDOWN = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((file) => file.length > 0);

/** Relative link targets of a Markdown text, without their #anchor. */
function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = match[1] as string;
    if (!/^[a-z][a-z+.-]*:/i.test(target)) links.push(target);
  }
  return links;
}

describe('documentation links', () => {
  it('finds the Markdown files (not vacuous)', () => {
    expect(MARKDOWN).toContain('README.md');
    expect(MARKDOWN.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(10);
  });

  it('every relative link names a file in the repository', () => {
    const broken: string[] = [];
    for (const file of MARKDOWN) {
      for (const target of relativeLinks(readFileSync(join(ROOT, file), 'utf8'))) {
        const path = resolve(ROOT, dirname(file), target);
        const inside = !relative(ROOT, path).startsWith('..');
        if (!inside || !existsSync(path)) broken.push(`${file} -> ${target}${inside ? '' : ' (outside)'}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

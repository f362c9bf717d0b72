/**
 * The page's static files, read once into memory when the dashboard is created: our own from
 * `page/` beside this module (copied next to the compiled module by `npm run build`), uPlot from
 * node_modules. Each is served with its content type, an ETag and a strict security policy.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Scripts and styles from this origin only; no inline code, no framing, no other hosts. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** On every dashboard response, JSON included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

export class DashboardAssetError extends Error {
  override readonly name = 'DashboardAssetError';
  readonly code = 'dashboard_asset_missing';
}

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

function asset(body: Buffer, path: string, cacheControl: string): StaticAsset {
  const contentType = CONTENT_TYPES[extname(path)];
  if (!contentType) throw new DashboardAssetError(`dashboard asset ${path}: unknown file type`);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag, cacheControl };
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DashboardAssetError(
      `dashboard asset ${path} cannot be read (${(error as Error).message}); run \`npm run build\` or reinstall`,
      { cause: error },
    );
  }
}

/**
 * URL path → asset: `/` is the page, `/assets/NAME` our files, `/assets/vendor/…` uPlot.
 * Throws a DashboardAssetError naming the file when one is missing (a broken build).
 */
export function loadDashboardAssets(pageDir = PAGE_DIR): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  // Our files change with each release: the browser revalidates them (ETag), cheaply.
  const revalidate = 'no-cache';
  let names: string[];
  try {
    names = readdirSync(pageDir).filter((name) => CONTENT_TYPES[extname(name)] !== undefined);
  } catch (error) {
    throw new DashboardAssetError(`dashboard page folder ${pageDir} is missing; run \`npm run build\``, {
      cause: error,
    });
  }
  if (!names.includes('index.html')) {
    throw new DashboardAssetError(`dashboard page ${join(pageDir, 'index.html')} is missing`);
  }
  for (const name of names) {
    const path = join(pageDir, name);
    const file = asset(read(path), path, revalidate);
    assets.set(name === 'index.html' ? '/' : `/assets/${name}`, file);
  }
  const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  // uPlot is pinned: its bytes change only with an upgrade, which changes the ETag too.
  const vendor = 'public, max-age=3600';
  for (const [url, file] of [
    ['/assets/vendor/uPlot.esm.js', 'uPlot.esm.js'],
    ['/assets/vendor/uPlot.min.css', 'uPlot.min.css'],
  ] as const) {
    const path = join(uplotDir, file);
    assets.set(url, asset(read(path), path, vendor));
  }
  return assets;
}

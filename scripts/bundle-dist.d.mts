/** Entry points of the compiled tree that `npm run build` replaces by bundles. */
export declare const DIST_ENTRIES: readonly string[];
/** Replaces each of `entries` (relative to `root`) by a bundle of itself, its modules and packages. */
export declare function bundleEntriesInPlace(root: string, entries: readonly string[]): Promise<void>;

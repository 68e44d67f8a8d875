// Every bound the loader puts on one route document, in one place: what no file or HTTP body may
// exceed, so that bad input fails with a diagnostic instead of crashing or wedging the process.

/**
 * Largest route document (file or body), in bytes: 32 MiB, the HTTP body limit too. The 1M-route
 * table in the grouped `prefixes:` form is about 20-24 MB; the per-route form (about 90 bytes a
 * route) fits about 350k routes a file, and larger tables split across files load faster anyway.
 */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Largest document outside the plain subset the fast readers take (anchors, tags, block scalars,
 * multi-line flow, tabs ...): the `yaml` package reads only 0.1-0.5 MB/s here (a block scalar line
 * costs it about 60 µs, a flow item 13 µs; 128 KiB of either took 1-1.3 s on this machine), so
 * 64 KiB (some 1500 hand-written entries) keeps its worst case near half a second.
 */
export const FULL_YAML_MAX_BYTES = 64 * 1024;

/**
 * Deepest nesting of collections. A valid document needs 5 (document, routes, entry, as-path,
 * AS_SET); the `yaml` package aborts the process (a V8 RegExp allocation failure) at a few
 * thousand, and recursive readers overflow the stack. 64 is far from both.
 */
export const MAX_NESTING = 64;

/**
 * Values (scalars and collections) a document may hold: one per 6 bytes, or 1 Mi whatever its
 * size. Reading costs per value (JSON.parse takes 0.1-0.8 µs a value here, the fast YAML reader
 * about 0.3 µs): `[0,0,0,...]` is 2 bytes a value, where route documents take 8 or more (a prefix
 * in a list, a key and its value). Checked by a linear scan before any reader builds a value.
 */
export const BYTES_PER_VALUE = 6;
export const VALUE_FLOOR = 1024 * 1024;

/** Values `bytes` of text may hold (see BYTES_PER_VALUE). */
export function valueBudget(bytes: number): number {
  return Math.max(VALUE_FLOOR, Math.floor(bytes / BYTES_PER_VALUE));
}

/**
 * Keys one mapping may have. A route document's mappings have at most 30 (an entry's attributes);
 * a mapping of a million keys costs seconds to read (JavaScript objects with that many
 * properties are slow) only to fail the schema, which allows no unknown key.
 */
export const MAX_MAPPING_KEYS = 1024;

/** Diagnostics kept per document; past it one summary diagnostic says how many more there are. */
export const MAX_DIAGNOSTICS = 100;

/** Problems counted (not kept) per document before checking stops: bounds the work on junk. */
export const MAX_COUNTED_PROBLEMS = 1000;

/** Raw ajv errors the schema report collects before its loops stop (about 4 per problem shown). */
export const MAX_SCHEMA_ERRORS = 1000;

/** yaml's maxAliasCount: bound on alias expansion (default 100). */
export const DEFAULT_MAX_ALIAS_COUNT = 100;

/**
 * YAML nodes that aliases may add to a document: as many as the document itself has, or this
 * floor. Sharing an attribute block between entries stays far below; an alias bomb does not.
 */
export const ALIAS_EXPANSION_FLOOR = 10_000;

/**
 * Routes one document may produce: one per 4 bytes of text (a route needs at least its prefix
 * written once, 5-10 bytes), or 262144 (1000 neighbors x 262 prefixes), never more than 4 Mi. It
 * catches `neighbors` x `prefixes` products as well as aliases; a plain 1M-route file is far below.
 */
export const ROUTE_FLOOR = 262_144;
export const BYTES_PER_ROUTE = 4;
export const MAX_ROUTES_PER_DOCUMENT = 4 * 1024 * 1024;

/**
 * A routes directory as a whole holds no more than one document may: at most 10,000 route files,
 * 256 MiB of text (8 documents at the size limit) and MAX_ROUTES_PER_DOCUMENT routes. Without it,
 * 10,000 small files each expanding to 262,144 routes (neighbors x prefixes) would exhaust memory.
 */
export const MAX_ROUTE_FILES = 10_000;
export const MAX_DIR_BYTES = 256 * 1024 * 1024;
export const MAX_DIR_ROUTES = MAX_ROUTES_PER_DOCUMENT;

/** Routes `bytes` of text may produce (see ROUTE_FLOOR). */
export function routeBudget(bytes: number): number {
  return Math.min(
    MAX_ROUTES_PER_DOCUMENT,
    Math.max(ROUTE_FLOOR, Math.floor(bytes / BYTES_PER_ROUTE)),
  );
}

/**
 * Largest BGP message: 4096 bytes (RFC 4271). 65535 needs the extended-message capability
 * (RFC 8654) on every session, which we cannot assume.
 */
export const MAX_BGP_MESSAGE = 4096;

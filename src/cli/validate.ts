// `validate`: load and check every route file; diagnostics go to stderr, nothing to stdout.
// Exit 0 when valid (warnings allowed), 1 when any error was found.
import { formatDiagnostic, hasErrors, compareDiagnostics } from '../core/diagnostic.js';
import type { Diagnostic } from '../core/diagnostic.js';
import { RouteDirLoader, mergeSources, type SourceResult } from '../config/load-routes.js';
import { readInventory, type Speaker } from '../config/speakers.js';
import { parseCommandArgs } from './args.js';
import { expiredEntryWarnings } from '../core/expiry.js';
import { EXIT, writeLine, type CliIo } from './io.js';

const USAGE = `usage: exabgp-reconciler validate [--routes DIR] [--inventory FILE] [--quiet]

Check every *.yaml / *.yml route file in DIR (default: routes.d): YAML syntax, the JSON Schema
(schemas/routes.schema.json) and the semantic rules (prefixes, host bits, next-hop family, ranges,
duplicate keys, conflicts between files). Diagnostics are printed to stderr as file:line:col.

options:
  --routes DIR   route directory (default: routes.d, or $EXABGP_RECONCILER_ROUTES)
  --inventory FILE  fleet: check the files as each speaker of FILE (speakers: [{name, labels}])
                 sees them, and that every speakers / speaker-selector matches one of them
  --quiet        print only errors and warnings, no summary line
  -h, --help     show this help

exit status: 0 valid (warnings allowed), 1 invalid or unreadable
`;

const OPTIONS = {
  routes: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  inventory: { type: 'string' },
} as const;

export async function validateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('validate', argv, OPTIONS, USAGE, io);
  if (parsed.kind === 'exit') return parsed.code;
  const dir = parsed.values.routes ?? io.env['EXABGP_RECONCILER_ROUTES'] ?? 'routes.d';
  const inventoryPath = parsed.values.inventory;
  let inventory: Speaker[] | undefined;
  try {
    inventory = inventoryPath === undefined ? undefined : readInventory(inventoryPath);
  } catch (err) {
    writeLine(
      io.stderr,
      `exabgp-reconciler validate: ${err instanceof Error ? err.message : String(err)}`,
    );
    return EXIT.error;
  }
  // Fleet: one load per speaker (entries of other speakers do not clash), diagnostics merged.
  const scopes = inventory?.map((speaker) => ({ speaker, inventory })) ?? [undefined];
  const unique = new Map<string, Diagnostic>();
  let sources: readonly SourceResult[] = [];
  const counts: string[] = [];
  for (const fleet of scopes) {
    const loaded = await new RouteDirLoader(dir, fleet === undefined ? {} : { fleet }).load();
    sources = loaded.sources;
    const m = mergeSources(sources);
    const n = m.ok ? m.value.size : 0;
    counts.push(`${fleet === undefined ? '' : `${fleet.speaker.name} `}${n} ${plural(n, 'route')}`);
    for (const d of m.ok ? m.warnings : m.diagnostics) unique.set(formatDiagnostic(d), d);
    if (m.ok)
      for (const d of expiredEntryWarnings(m.value.values(), Date.now()))
        unique.set(formatDiagnostic(d), d);
  }
  const diagnostics: Diagnostic[] = [...unique.values()].sort(compareDiagnostics);
  for (const d of diagnostics) writeLine(io.stderr, formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (parsed.values.quiet !== true) {
    const warnings = diagnostics.length - errors;
    writeLine(
      io.stderr,
      `${dir}: ${sources.length} ${plural(sources.length, 'file')}, ${counts.join(', ')}, ` +
        `${errors} ${plural(errors, 'error')}, ${warnings} ${plural(warnings, 'warning')}`,
    );
  }
  return hasErrors(diagnostics) ? EXIT.error : EXIT.ok;
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

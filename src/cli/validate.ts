// `validate`: load and check every route file; diagnostics go to stderr, nothing to stdout.
// Exit 0 when valid (warnings allowed), 1 when any error was found.
import { formatDiagnostic, hasErrors, compareDiagnostics } from '../core/diagnostic.js';
import type { Diagnostic } from '../core/diagnostic.js';
import { RouteDirLoader, mergeSources } from '../config/load-routes.js';
import { parseCommandArgs } from './args.js';
import { expiredEntryWarnings } from '../core/expiry.js';
import { EXIT, writeLine, type CliIo } from './io.js';

const USAGE = `usage: exabgp-reconciler validate [--routes DIR] [--quiet]

Check every *.yaml / *.yml route file in DIR (default: routes.d): YAML syntax, the JSON Schema
(schemas/routes.schema.json) and the semantic rules (prefixes, host bits, next-hop family, ranges,
duplicate keys, conflicts between files). Diagnostics are printed to stderr as file:line:col.

options:
  --routes DIR   route directory (default: routes.d, or $EXABGP_RECONCILER_ROUTES)
  --quiet        print only errors and warnings, no summary line
  -h, --help     show this help

exit status: 0 valid (warnings allowed), 1 invalid or unreadable
`;

const OPTIONS = {
  routes: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

export async function validateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('validate', argv, OPTIONS, USAGE, io);
  if (parsed.kind === 'exit') return parsed.code;
  const dir = parsed.values.routes ?? io.env['EXABGP_RECONCILER_ROUTES'] ?? 'routes.d';
  const loader = new RouteDirLoader(dir);
  const { sources } = await loader.load();
  const merged = mergeSources(sources);
  const diagnostics: Diagnostic[] = merged.ok ? [...merged.warnings] : [...merged.diagnostics];
  if (merged.ok) diagnostics.push(...expiredEntryWarnings(merged.value.values(), Date.now()));
  diagnostics.sort(compareDiagnostics);
  for (const d of diagnostics) writeLine(io.stderr, formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (parsed.values.quiet !== true) {
    const routes = merged.ok ? merged.value.size : 0;
    const warnings = diagnostics.length - errors;
    writeLine(
      io.stderr,
      `${dir}: ${sources.length} ${plural(sources.length, 'file')}, ${routes} ${plural(routes, 'route')}, ` +
        `${errors} ${plural(errors, 'error')}, ${warnings} ${plural(warnings, 'warning')}`,
    );
  }
  return hasErrors(diagnostics) ? EXIT.error : EXIT.ok;
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

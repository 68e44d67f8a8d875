// The `yaml` package, loaded on first use. Route files in the plain subset never need it (the fast
// reader handles them and yields no diagnostic), and importing it costs ~20 ms of every process
// start. Synchronous (require) because the loader is; the package's Node entry is CommonJS anyway.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return lib;
}

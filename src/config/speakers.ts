// Which speakers of a fleet an entry is for: `speakers: [names]` and/or `speaker-selector:
// {key: value}` on an entry or in `defaults`. The rule: an entry with either key uses its own
// selection, else the defaults'; none at all selects every speaker. A speaker is selected when
// its name is in `speakers` (if given) AND every selector key is one of its labels with exactly
// that value (if given). Names and values compare as exact, case-sensitive strings.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ReconcilerError } from '../errors.js';

export interface Speaker {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Selection {
  readonly speakers?: readonly string[];
  readonly selector?: Readonly<Record<string, string>>;
}

/** The selection written in a raw (schema-valid) entry or defaults; undefined when none. */
export function selectionOf(raw: Readonly<Record<string, unknown>>): Selection | undefined {
  const speakers = raw['speakers'];
  const selector = raw['speaker-selector'];
  if (speakers === undefined && selector === undefined) return undefined;
  return {
    ...(Array.isArray(speakers) ? { speakers: speakers as string[] } : {}),
    ...(selector !== null && typeof selector === 'object'
      ? { selector: selector as Record<string, string> }
      : {}),
  };
}

/** Does `selection` (undefined: every speaker) select `speaker`? */
export function selects(selection: Selection | undefined, speaker: Speaker): boolean {
  if (selection === undefined) return true;
  if (selection.speakers !== undefined && !selection.speakers.includes(speaker.name)) return false;
  for (const [k, v] of Object.entries(selection.selector ?? {}))
    if (!Object.hasOwn(speaker.labels, k) || speaker.labels[k] !== v) return false;
  return true;
}

/** Read an inventory file: `speakers: [{name, labels}]`. Throws E_USAGE naming the problem. */
export function readInventory(path: string): Speaker[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ReconcilerError('E_USAGE', `cannot read inventory "${path}"`, { cause: err });
  }
  const list = (doc as { speakers?: unknown } | null)?.speakers;
  if (!Array.isArray(list) || list.length === 0)
    throw new ReconcilerError('E_USAGE', `${path}: expected speakers: [{name, labels}]`);
  const seen = new Set<string>();
  return list.map((s: unknown, i) => {
    const { name, labels } = (s ?? {}) as { name?: unknown; labels?: unknown };
    if (typeof name !== 'string' || name === '' || seen.has(name))
      throw new ReconcilerError('E_USAGE', `${path}: speakers[${i}].name missing or repeated`);
    seen.add(name);
    const out: Record<string, string> = {};
    if (labels !== undefined && (labels === null || typeof labels !== 'object'))
      throw new ReconcilerError('E_USAGE', `${path}: speakers[${i}].labels must be a mapping`);
    for (const [k, v] of Object.entries(labels ?? {})) out[k] = String(v);
    return { name, labels: out };
  });
}

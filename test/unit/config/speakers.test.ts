// Speaker selection: `speakers` and `speaker-selector` (entry's own selection wins over defaults,
// both must match, absent = every speaker), applied when a document is built for one speaker,
// and checked against an inventory (E_SELECTOR).
import { describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { selects, type Speaker } from '../../../src/config/speakers.js';

const popA: Speaker = { name: 'pop-a', labels: { site: 'pop', region: 'eu' } };
const popB: Speaker = { name: 'pop-b', labels: { site: 'pop', region: 'us' } };
const scrub: Speaker = { name: 'scrub-1', labels: { site: 'scrub' } };

describe('selects', () => {
  it.each([
    ['no selection selects every speaker', undefined, popA, true],
    ['a name list selects the speakers it names', { speakers: ['pop-a'] }, popA, true],
    ['a name list leaves out the others', { speakers: ['pop-a'] }, popB, false],
    [
      'a selector needs every label with exactly that value',
      { selector: { site: 'pop', region: 'eu' } },
      popA,
      true,
    ],
    [
      'a selector with one label off does not select',
      { selector: { site: 'pop', region: 'eu' } },
      popB,
      false,
    ],
    [
      'a selector label the speaker lacks does not select',
      { selector: { region: 'eu' } },
      scrub,
      false,
    ],
    [
      'names and selector must both match',
      { speakers: ['pop-a'], selector: { site: 'scrub' } },
      popA,
      false,
    ],
    ['values compare case-sensitively', { selector: { site: 'POP' } }, popA, false],
  ] as const)('%s', (_name, selection, speaker, expected) => {
    expect(selects(selection, speaker)).toBe(expected);
  });
});

const DOC = `defaults:
  next-hop: 192.0.2.254
  speaker-selector: {site: pop}
routes:
  - prefix: 10.0.0.0/24
  - prefix: 10.0.1.0/24
    speakers: [scrub-1]
  - prefix: 10.0.2.0/24
    speakers: [pop-b]
    med: 5
  - prefix: 10.0.2.0/24
    speakers: [pop-a]
    med: 7
`;

const prefixes = (speaker: Speaker): string[] =>
  parseRouteDocument('f.yaml', DOC, { fleet: { speaker } }).routes.map(
    (r) => `${r.prefix}${r.attributes.med === undefined ? '' : ` med ${r.attributes.med}`}`,
  );

describe('a document built for one speaker', () => {
  it('keeps the entries that select it, the entry’s own selection winning over defaults', () => {
    expect(prefixes(popA)).toEqual(['10.0.0.0/24', '10.0.2.0/24 med 7']);
    expect(prefixes(popB)).toEqual(['10.0.0.0/24', '10.0.2.0/24 med 5']);
    expect(prefixes(scrub)).toEqual(['10.0.1.0/24']);
  });

  it('reports a duplicate only among the entries of the same speaker', () => {
    const all = parseRouteDocument('f.yaml', DOC);
    expect(all.diagnostics.map((d) => d.code)).toEqual(['E_DUPLICATE_ROUTE']);
    const one = parseRouteDocument('f.yaml', DOC, { fleet: { speaker: popA } });
    expect(one.diagnostics).toEqual([]);
  });

  it('still checks the other speakers’ entries (a host-bits error anywhere fails the file)', () => {
    const doc = `routes:\n  - prefix: 10.0.0.1/24\n    next-hop: 192.0.2.1\n    speakers: [pop-b]\n`;
    const r = parseRouteDocument('f.yaml', doc, { fleet: { speaker: popA } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E_HOST_BITS']);
  });

  it('reports a selection that matches no speaker of the inventory at its position', () => {
    const doc = `routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n    speaker-selector: {site: moon}\n`;
    const r = parseRouteDocument('f.yaml', doc, {
      fleet: { speaker: popA, inventory: [popA, popB, scrub] },
    });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.path])).toEqual([
      ['E_SELECTOR', 4, 'routes[0].speaker-selector'],
    ]);
  });

  it('refuses a malformed selection by schema', () => {
    const doc = `routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n    speakers: []\n`;
    expect(parseRouteDocument('f.yaml', doc).diagnostics.map((d) => d.code)).toEqual(['E_SCHEMA']);
  });
});

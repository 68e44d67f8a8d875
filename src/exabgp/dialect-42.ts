// ExaBGP 4.2 (Debian's 4.2.21): the reference spelling. A route value's canonical text is already
// 4.2's wire text; `show adj-rib out extensive` prints the as-path the way it is written.
import type { Dialect } from './dialect.js';
import { readAsPath42, showAsPath42 } from './dialect-as-path.js';

export const DIALECT_4_2: Dialect = {
  name: '4.2',
  attributeText: (value) => value,
  readCommandAsPath: readAsPath42,
  readShownAsPath: readAsPath42,
  showAsPath: showAsPath42,
  showsSelfResolved: false,
  showsAsn4Suffix: true,
  plainShowsNeighborWord: true,
};

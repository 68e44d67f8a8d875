// Golden scenarios: each test/golden/cases/<name>/ holds desired.json and announced.json (route
// specs for test/helpers/routes.ts) and optionally case.json ({ maxWithdraw?: "N" | "P%" }); the
// plan is rendered to plan.txt, plan.json, plan.md and commands.exabgp. `vitest -u` regenerates.
// A case may instead give desired.yaml / announced.yaml: route documents (routes and flows) read by
// the real loader.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffRoutes } from '../../src/core/diff.js';
import { encodePlanText } from '../../src/exabgp/encode.js';
import { DEFAULT_GUARD_POLICY, evaluateGuard, parseGuardLimit } from '../../src/core/guard.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../src/core/render.js';
import { assertValidExabgpLine } from '../helpers/exabgp-grammar.js';
import { routeSet, type RouteSpec } from '../helpers/routes.js';
import { parseRouteDocument } from '../../src/config/load-routes.js';
import { routeKey, type RouteSet } from '../../src/core/route.js';

const CASES = join(import.meta.dirname, 'cases');

interface CaseOptions {
  readonly maxWithdraw?: string;
}

function readJson<T>(path: string, fallback: T): T {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : fallback;
}

/** `<name>.yaml` (a route document, loaded for real) or `<name>.json` (route specs). */
function readSet(dir: string, name: string): RouteSet {
  const yaml = join(dir, `${name}.yaml`);
  if (!existsSync(yaml)) return routeSet(readJson<RouteSpec[]>(join(dir, `${name}.json`), []));
  const result = parseRouteDocument(`${name}.yaml`, readFileSync(yaml, 'utf8'));
  expect(result.diagnostics).toEqual([]);
  return new Map(result.routes.map((r) => [routeKey(r), r]));
}

const names = readdirSync(CASES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('golden plans', () => {
  it('finds the cases', () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
  });

  it.each(names)('%s', async (name) => {
    const dir = join(CASES, name);
    const desired = readSet(dir, 'desired');
    const announced = readSet(dir, 'announced');
    const options = readJson<CaseOptions>(join(dir, 'case.json'), {});
    const policy =
      options.maxWithdraw === undefined
        ? DEFAULT_GUARD_POLICY
        : parseGuardLimit(options.maxWithdraw);

    const plan = diffRoutes(desired, announced);
    const guard = evaluateGuard(plan, announced.size, policy);
    const commands = encodePlanText(plan);
    commands.forEach((line) => assertValidExabgpLine(line));
    // The same inputs in reverse insertion order give byte-identical output.
    const reversed = diffRoutes(new Map([...desired].reverse()), new Map([...announced].reverse()));
    expect(reversed).toEqual(plan);

    await expect(renderPlanText(plan, { color: false, guard })).toMatchFileSnapshot(
      join(dir, 'plan.txt'),
    );
    await expect(`${JSON.stringify(renderPlanJson(plan, guard), null, 2)}\n`).toMatchFileSnapshot(
      join(dir, 'plan.json'),
    );
    await expect(renderPlanMarkdown(plan, guard)).toMatchFileSnapshot(join(dir, 'plan.md'));
    await expect(commands.map((l) => `${l}\n`).join('')).toMatchFileSnapshot(
      join(dir, 'commands.exabgp'),
    );
  });
});

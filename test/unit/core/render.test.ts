import { describe, expect, it } from 'vitest';
import { diffRoutes } from '../../../src/core/diff.js';
import { evaluateGuard } from '../../../src/core/guard.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../../src/core/render.js';
import { routeSet, type RouteSpec } from '../../helpers/routes.js';

const plan = (desired: RouteSpec[], announced: RouteSpec[]) =>
  diffRoutes(routeSet(desired), routeSet(announced));

describe('renderPlanText', () => {
  it('prints the literal "No changes." for an empty plan', () => {
    expect(
      renderPlanText(plan([{ prefix: '10.0.0.0/24' }], [{ prefix: '10.0.0.0/24' }]), {
        color: false,
      }),
    ).toBe('No changes.\n');
  });

  it.each([
    {
      name: 'marks an announce with + and shows its value',
      desired: [{ prefix: '10.0.0.0/24', med: 5 }],
      announced: [],
      want: '+ announce 10.0.0.0/24 (ipv4 unicast, all neighbors)\n      next-hop 192.0.2.254 med 5',
    },
    {
      name: 'marks an update with ~ and shows only the changed attributes',
      desired: [{ prefix: '10.0.0.0/24', med: 20, localPreference: 100 }],
      announced: [{ prefix: '10.0.0.0/24', med: 10, localPreference: 100, community: ['65000:1'] }],
      want: '~ update 10.0.0.0/24 (ipv4 unicast, all neighbors)\n      med: 10 -> 20\n      community: [ 65000:1 ] -> (none)',
    },
    {
      name: 'marks a withdraw with - and names the neighbor',
      desired: [],
      announced: [{ prefix: '2001:db8::/48', target: '192.0.2.1', pathInformation: 3 }],
      want: '- withdraw 2001:db8::/48 path-information 3 (ipv6 unicast, neighbor 192.0.2.1)',
    },
    {
      name: 'says when a withdrawn neighbor route is replaced by the all-neighbors route',
      desired: [{ prefix: '10.0.0.0/24' }],
      announced: [
        { prefix: '10.0.0.0/24' },
        { prefix: '10.0.0.0/24', target: '192.0.2.1', med: 1 },
      ],
      want: '- withdraw 10.0.0.0/24 (ipv4 unicast, neighbor 192.0.2.1), replaced by the all-neighbors route',
    },
    {
      name: 'lists re-asserts after an all-neighbors command',
      desired: [
        { prefix: '10.0.0.0/24', med: 2 },
        { prefix: '10.0.0.0/24', target: '192.0.2.1' },
      ],
      announced: [
        { prefix: '10.0.0.0/24', med: 1 },
        { prefix: '10.0.0.0/24', target: '192.0.2.1' },
      ],
      want: '= re-assert 10.0.0.0/24 (ipv4 unicast, neighbor 192.0.2.1) after an all-neighbors command',
    },
  ])('$name', ({ desired, announced, want }) => {
    expect(renderPlanText(plan(desired, announced), { color: false })).toContain(`${want}\n`);
  });

  it('ends with the summary line', () => {
    const text = renderPlanText(
      plan(
        [{ prefix: '10.0.0.0/24' }, { prefix: '10.0.1.0/24', med: 2 }],
        [{ prefix: '10.0.1.0/24' }, { prefix: '10.0.2.0/24' }],
      ),
      { color: false },
    );
    expect(text.endsWith('\n\nPlan: 1 to announce, 1 to update, 1 to withdraw.\n')).toBe(true);
  });

  it('opens with a banner when the guard tripped', () => {
    const p = plan([], [{ prefix: '10.0.0.0/24' }]);
    const text = renderPlanText(p, { color: false, guard: evaluateGuard(p, 1) });
    expect(text.split('\n')[0]).toBe(
      '!!! mass-withdraw guard tripped: plan withdraws every announced route (1 of 1 announced routes)',
    );
  });

  it('prints no banner when the guard passed', () => {
    const p = plan([{ prefix: '10.0.0.0/24' }], []);
    expect(renderPlanText(p, { color: false, guard: evaluateGuard(p, 0) })).not.toContain('!!!');
  });

  it('uses ANSI colours only when asked', () => {
    const p = plan([{ prefix: '10.0.0.0/24' }], []);
    expect(renderPlanText(p, { color: true })).toContain('\u001b[32m+ announce');
    expect(renderPlanText(p, { color: false })).not.toContain('\u001b');
  });
});

describe('renderPlanJson', () => {
  it('versions the document and spells attributes as ExaBGP does', () => {
    const json = renderPlanJson(
      plan(
        [
          {
            prefix: '10.0.0.0/24',
            localPreference: 200,
            nextHop: '192.0.2.9',
            asPath: { sequence: [1, 2], set: [3] },
          },
        ],
        [{ prefix: '10.0.0.0/24' }],
      ),
    );
    expect(json.format_version).toBe('1');
    expect(json.guard).toBeNull();
    expect(json.changes).toEqual([
      {
        action: 'update',
        key: '* ipv4 unicast 10.0.0.0/24',
        target: '*',
        afi: 'ipv4',
        safi: 'unicast',
        prefix: '10.0.0.0/24',
        before: { 'next-hop': '192.0.2.254' },
        after: { 'next-hop': '192.0.2.9', 'as-path': [1, 2, [3]], 'local-preference': 200 },
      },
    ]);
    expect(json.summary).toEqual({
      announce: 0,
      update: 1,
      withdraw: 0,
      unchanged: 0,
      reassert: 0,
    });
  });

  it('includes the guard verdict with snake_case counts', () => {
    const p = plan([], [{ prefix: '10.0.0.0/24' }]);
    expect(renderPlanJson(p, evaluateGuard(p, 1)).guard).toEqual({
      tripped: true,
      reason: 'plan withdraws every announced route (1 of 1 announced routes)',
      withdraw_count: 1,
      announced_count: 1,
    });
  });

  it('keeps rd and path-information as key fields', () => {
    const json = renderPlanJson(
      plan([{ prefix: '10.0.0.0/24', rd: '65000:1', label: [5], pathInformation: 2 }], []),
    );
    expect(json.changes[0]).toMatchObject({
      safi: 'mpls-vpn',
      rd: '65000:1',
      'path-information': 2,
      after: { label: [5] },
    });
  });
});

describe('renderPlanMarkdown', () => {
  it('puts the plan in a collapsible diff block under the summary', () => {
    const md = renderPlanMarkdown(plan([{ prefix: '10.0.0.0/24' }], []));
    expect(md).toContain('**Plan: 1 to announce, 0 to update, 0 to withdraw.**');
    expect(md).toContain(
      '<details><summary>Show the plan</summary>\n\n```diff\n+ announce 10.0.0.0/24',
    );
  });

  it('says "No changes." without a details block', () => {
    const md = renderPlanMarkdown(plan([], []));
    expect(md).toContain('**No changes.**');
    expect(md).not.toContain('<details>');
  });

  it('shows a caution alert when the guard tripped', () => {
    const p = plan([], [{ prefix: '10.0.0.0/24' }]);
    expect(renderPlanMarkdown(p, evaluateGuard(p, 1))).toContain(
      '> [!CAUTION]\n> **Mass-withdraw guard tripped:**',
    );
  });

  it('truncates a long plan to the character budget', () => {
    const desired = Array.from({ length: 2000 }, (_, i) => ({
      prefix: `10.${i >> 8}.${i & 255}.0/24`,
    }));
    const md = renderPlanMarkdown(plan(desired, []), undefined, { maxChars: 5000 });
    expect(md.length).toBeLessThanOrEqual(5000);
    expect(md).toMatch(/\.\.\. \d+ more lines not shown/);
  });
});

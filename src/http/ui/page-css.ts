// The /ui page's stylesheet (served as /ui/app.css).
export const PAGE_CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #6e7781; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 16px 24px; }
header { display: flex; align-items: baseline; gap: 12px; border-bottom: 1px solid #8884; }
h1 { font-size: 20px; margin: 12px 0; }
h2 { font-size: 15px; margin: 18px 0 6px; }
.badge { padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
.badge.unknown { background: var(--muted); }
.muted { color: var(--muted); } .warn { color: var(--warn); } .err { color: var(--bad); }
.mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
pre { background: #8881; padding: 8px; overflow: auto; max-height: 420px; margin: 0; }
table { border-collapse: collapse; } td, th { padding: 2px 12px 2px 0; text-align: left; vertical-align: top; }
table.grid th { border-bottom: 1px solid #8886; }
table.kv th { font-weight: 500; color: var(--muted); }
ul { margin: 4px 0; padding-left: 20px; }
#progress .bar { height: 8px; background: #8883; width: 320px; margin-top: 6px; }
#progress .bar div { height: 8px; background: var(--ok); }
#guard-section { border: 2px solid var(--bad); padding: 4px 12px 10px; }
.up { color: var(--ok); } .down { color: var(--bad); }
`;

// The /ui page's script (served as /ui/app.js): polls GET /ui/state every second and renders it
// with DOM text nodes only (input text such as a diagnostic never becomes markup). Confirming a
// held plan posts to /v1/plan/confirm, with the bearer token when the server requires one.
// Extension point: a top-level /v1/status key this page does not know (flows, speakers, checks)
// is shown under its own heading as JSON until it gets a renderer in RENDERERS.
export const PAGE_JS = String.raw`'use strict';
(function () {
  var KNOWN = ['ready', 'ready_reason', 'exabgp', 'last_reconcile', 'last_success_at', 'counters',
    'ledger_trusted', 'using_last_good', 'desired_count', 'announced_count', 'pending_count',
    'neighbors', 'verify', 'diagnostics', 'guard', 'recent_ack_errors', 'progress',
    'recent_reconciles', 'families'];
  var RENDERERS = {};
  var $ = function (id) { return document.getElementById(id); };
  var tokenRequired = false;
  var heldHash = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function row(table, cells, header) {
    var tr = el('tr');
    cells.forEach(function (c, i) {
      var td = el(header || i === 0 && table.classList.contains('kv') ? 'th' : 'td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? '' : String(c);
      tr.appendChild(td);
    });
    table.appendChild(tr);
  }
  function ago(iso) {
    if (!iso) return 'never';
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (s < 1) return 'just now';
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function where(d) {
    return d.line ? d.source + ':' + d.line + ':' + d.col : d.source;
  }
  function list(node, items, cls) {
    clear(node);
    items.forEach(function (t) { node.appendChild(el('li', t, cls)); });
  }

  function renderVerdict(state) {
    var v = state.verdict;
    var badge = $('verdict');
    badge.textContent = v.converged ? 'converged' : 'not converged';
    badge.className = 'badge ' + (v.converged ? 'ok' : 'bad');
    $('why-section').hidden = v.converged && v.warnings.length === 0;
    list($('reasons'), v.reasons, 'err');
    list($('warnings'), v.warnings, 'warn');
    $('updated').textContent = 'updated ' + new Date(state.generated_at).toLocaleTimeString();
  }

  function renderFacts(s) {
    var t = clear($('facts'));
    var x = s.exabgp || {};
    var version = (x.version || 'unknown version') + (x.dialect ? ' (' + x.dialect + ' dialect)' : '');
    row(t, ['ExaBGP', version]);
    row(t, ['instance', x.instance ? 'pid ' + x.instance.pid + ', started ' + x.instance.start_time : 'not identified']);
    row(t, ['acks', x.ack]);
    row(t, ['ledger', s.ledger_trusted ? 'trusted (same ExaBGP instance)' : 'not trusted at start-up (re-asserted)']);
    row(t, ['ready', s.ready ? 'yes' : 'no: ' + (s.ready_reason || '')]);
    var r = s.last_reconcile;
    row(t, ['last reconcile', r ? '#' + r.id + ' ' + r.outcome + ' ' + ago(r.started_at) + ': +' +
      r.summary.announce + ' ~' + r.summary.update + ' -' + r.summary.withdraw + ', ' + r.lines.done +
      '/' + r.lines.written + ' lines acked, ' + r.duration_ms + ' ms' : 'none yet']);
    row(t, ['last success', ago(s.last_success_at)]);
    row(t, ['input', s.using_last_good ? 'invalid: using the last good desired state' : 'valid']);
  }

  function renderFamilies(s) {
    var t = clear($('families'));
    row(t, ['family', 'desired', 'announced'], true);
    var f = s.families || { desired: {}, announced: {} };
    var names = Object.keys(f.desired).concat(Object.keys(f.announced))
      .filter(function (n, i, a) { return a.indexOf(n) === i; }).sort();
    names.forEach(function (n) { row(t, [n, f.desired[n] || 0, f.announced[n] || 0]); });
    row(t, ['total', s.desired_count, s.announced_count + (s.pending_count ? ' (' + s.pending_count + ' pending)' : '')]);
    var p = clear($('progress'));
    if (s.progress) {
      var pr = s.progress;
      var pct = pr.routes_total ? Math.round(100 * (pr.routes_done + pr.routes_failed) / pr.routes_total) : 100;
      p.appendChild(el('div', 'applying: ' + pr.routes_done + '/' + pr.routes_total + ' routes acknowledged (' +
        pct + '%), ' + Math.round(pr.rate_per_second) + '/s' +
        (pr.eta_seconds === null ? '' : ', about ' + pr.eta_seconds + ' s left')));
      var bar = el('div', null, 'bar'); var fill = el('div'); fill.style.width = pct + '%';
      bar.appendChild(fill); p.appendChild(bar);
    }
  }

  function renderGuard(s, plan) {
    var g = s.guard;
    $('guard-section').hidden = !g.blocked;
    heldHash = g.blocked ? g.hash : null;
    if (!g.blocked) return;
    $('guard-reason').textContent = g.reason || '';
    $('guard-hash').textContent = g.hash || '';
    $('token-label').hidden = !tokenRequired;
  }

  function renderDiagnostics(s) {
    var items = s.diagnostics.map(function (d) {
      return where(d) + ': ' + d.severity + ' ' + d.code + ': ' + (d.path ? d.path + ': ' : '') + d.message;
    });
    list($('diagnostics'), items.length ? items : ['none'], items.length ? 'err' : 'muted');
  }

  function renderNeighbors(s) {
    var t = clear($('neighbors'));
    var names = Object.keys(s.neighbors).sort();
    row(t, ['neighbor', 'state', 'since'], true);
    names.forEach(function (n) {
      var nb = s.neighbors[n];
      row(t, [n, el('span', nb.state, nb.state === 'down' ? 'down' : 'up'), ago(nb.at) + (nb.reason ? ' (' + nb.reason + ')' : '')]);
    });
    if (names.length === 0) row(t, ['none reported yet', '', '']);
  }

  function renderReconciles(s) {
    var t = clear($('reconciles'));
    row(t, ['#', 'when', 'outcome', 'plan', 'lines acked', 'ms'], true);
    (s.recent_reconciles || (s.last_reconcile ? [s.last_reconcile] : [])).slice().reverse().forEach(function (r) {
      row(t, [r.id, ago(r.started_at), r.outcome + (r.error ? ': ' + r.error.code : ''), '+' + r.summary.announce + ' ~' +
        r.summary.update + ' -' + r.summary.withdraw, r.lines.done + '/' + r.lines.written, r.duration_ms]);
    });
  }

  function renderRest(s) {
    $('ack-section').hidden = s.recent_ack_errors.length === 0;
    list($('ack-errors'), s.recent_ack_errors.map(function (e) { return ago(e.at) + ': ' + e.line + ' (' + e.message + ')'; }), 'err');
    var v = s.verify;
    $('verify').textContent = v === undefined ? 'off (run --verify to compare ExaBGP\'s adj-rib-out with the ledger)'
      : v === null ? 'not run yet'
      : v.outcome + ' ' + ago(v.at) + ': missing ' + v.missing + ', different ' + v.different + ', extra ' + v.extra +
        (v.error ? ' (' + v.error + ')' : '');
    var extra = clear($('extra'));
    Object.keys(s).filter(function (k) { return KNOWN.indexOf(k) < 0; }).sort().forEach(function (k) {
      var sec = el('section'); sec.appendChild(el('h2', k));
      if (RENDERERS[k]) RENDERERS[k](sec, s[k]); else sec.appendChild(el('pre', JSON.stringify(s[k], null, 2)));
      extra.appendChild(sec);
    });
  }

  function render(state) {
    tokenRequired = state.token_required;
    var s = state.status;
    renderVerdict(state);
    renderFacts(s);
    renderFamilies(s);
    renderGuard(s, state.plan);
    renderDiagnostics(s);
    $('plan').textContent = state.plan ? state.plan.text : '';
    renderNeighbors(s);
    renderReconciles(s);
    renderRest(s);
  }

  function poll() {
    fetch('/ui/state', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('http ' + res.status); return res.json(); })
      .then(render)
      .catch(function (err) {
        var badge = $('verdict');
        badge.textContent = 'disconnected';
        badge.className = 'badge unknown';
        $('updated').textContent = String(err && err.message || err);
      })
      .then(function () { setTimeout(poll, 1000); });
  }

  function confirmPlan(ev) {
    ev.preventDefault();
    if (!heldHash) return;
    var headers = { 'content-type': 'application/json' };
    if (tokenRequired) headers.authorization = 'Bearer ' + $('token').value;
    var out = $('confirm-result');
    out.textContent = 'sending';
    fetch('/v1/plan/confirm', { method: 'POST', headers: headers, body: JSON.stringify({ hash: heldHash }) })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) { out.textContent = r.ok ? 'confirmed: the next reconcile applies it' : r.body.code + ': ' + r.body.message; })
      .catch(function (err) { out.textContent = String(err); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('confirm-form').addEventListener('submit', confirmPlan);
    poll();
  });
})();
`;

// The /ui page's HTML: a static shell filled in by app.js from GET /ui/state. No inline script or
// style (the page is served with a Content-Security-Policy of 'self' only), nothing from elsewhere.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>exabgp-reconciler</title>
<link rel="stylesheet" href="/ui/app.css">
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header>
  <h1>exabgp-reconciler</h1>
  <span id="verdict" class="badge unknown">loading</span>
  <span id="updated" class="muted"></span>
</header>
<noscript><p class="warn">This page needs JavaScript for live updates; the same facts are at
<a href="/v1/status">/v1/status</a> and <a href="/v1/plan">/v1/plan</a>.</p></noscript>
<main>
  <section id="why-section"><h2>Why not converged</h2><ul id="reasons"></ul><ul id="warnings"></ul></section>
  <section><h2>Instance</h2><table id="facts" class="kv"></table></section>
  <section><h2>Routes</h2><table id="families" class="grid"></table><div id="progress"></div></section>
  <section id="guard-section" hidden>
    <h2>Held by the mass-withdraw guard</h2>
    <p id="guard-reason"></p>
    <p>Plan hash <code id="guard-hash"></code></p>
    <form id="confirm-form">
      <label id="token-label" hidden>Token <input id="token" type="password" autocomplete="off"></label>
      <button id="confirm" type="submit">Confirm this plan</button>
      <span id="confirm-result"></span>
    </form>
  </section>
  <section><h2>Diagnostics</h2><ul id="diagnostics" class="mono"></ul></section>
  <section><h2>Pending plan</h2><pre id="plan"></pre></section>
  <section><h2>Neighbors</h2><table id="neighbors" class="grid"></table></section>
  <section><h2>Last reconciles</h2><table id="reconciles" class="grid"></table></section>
  <section id="ack-section"><h2>Recent ack errors</h2><ul id="ack-errors" class="mono"></ul></section>
  <section><h2>Verify</h2><p id="verify"></p></section>
  <div id="extra"></div>
</main>
<footer class="muted">Read-only view of <a href="/v1/status">/v1/status</a>, refreshed every second.
Metrics: <a href="/metrics">/metrics</a>.</footer>
</body>
</html>
`;

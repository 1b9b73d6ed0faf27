// The presenter page, served at /present/TOKEN to the agent's own browser:
// the page the agent opens next in this tab (any page with cobrowse.js; the
// demo site has it) is shown to the customer in their mirror viewer page and
// beside the customer's page in the agent's console (split view). Nothing is
// shown until the agent presses Start; /presenter.js trades the one-time link
// for a key the SDK on the shown page reconnects with, as the consent page does.
public enum PresenterPage {
    public static func page(agentName: String, ticket: Ticket, customer: String) -> String {
        let e = CustomerPages.escape
        return CustomerPages.page(title: "Show the customer a page", """
        <main id="presenter">
        <h1>Show \(e(customer)) a page</h1>
        <div class="box">
        <p>\(e(agentName)), the page you open next in this tab is shown to \(e(customer)) (ticket <b>\(e(ticket.id))</b>) in their
        viewer page, and beside their page in your console. It must include <code>cobrowse.js</code>; the demo site does.</p>
        <p>Only this tab is shown. Passwords, payment fields and anything marked private stay hidden, and the engine masks
        card numbers, e-mail addresses and other personal data in the page text before anyone sees it.</p>
        <p><label for="url">Page to show</label> <input id="url" type="url" value="/demo/" size="50"></p>
        </div>
        <p class="buttons"><button id="start" class="allow" disabled>Start showing</button></p>
        <p id="status" class="status" role="status" aria-live="polite"></p>
        <p class="muted">Stop from your console (the same key) or with "Stop sharing" on the shown page. This link works once.</p>
        </main>
        <script src="/presenter.js"></script>
        """)
    }

    public static let script = #"""
(function () {
  'use strict';
  var main = document.getElementById('presenter');
  if (!main) return;
  var token = location.pathname.split('/').pop();
  var start = document.getElementById('start'), status = document.getElementById('status'), url = document.getElementById('url');
  function say(text) { status.textContent = text; }
  start.addEventListener('click', function () {
    var target;
    try { target = new URL(url.value || '/demo/', location.href); } catch (e) { say('That is not a web address.'); return; }
    if (!/^https?:$/.test(target.protocol)) { say('Only http and https pages can be shown.'); return; }
    start.disabled = true;
    say('Connecting\u2026');
    var ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
    var done = false;
    ws.onopen = function () { ws.send(JSON.stringify({ v: 1, type: 'hello', body: { protocolVersion: 1, client: 'presenter-page', token: token } })); };
    ws.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      var b = f.body || {};
      if (f.type === 'error') { done = true; say(b.message || 'This link cannot be used.'); ws.close(); return; }
      if (f.type !== 'welcome' || done) return;
      done = true;
      try { sessionStorage.setItem('cobrowse.resumeKey', b.resumeKey); } catch (e) {}
      target.hash = (target.hash ? target.hash.slice(1) + '&' : '') + 'cobrowse=' + b.resumeKey;
      say('Showing. Taking you to the page\u2026');
      ws.close();
      location.replace(target.href);
    };
    ws.onclose = function () { if (!done) { start.disabled = false; say('The connection to the engine failed. Try again.'); } };
  });
  start.disabled = false;
})();
"""#
}

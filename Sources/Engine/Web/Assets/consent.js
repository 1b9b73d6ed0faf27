(function () {
  'use strict';
  var main = document.getElementById('consent');
  if (!main) return;
  var token = location.pathname.split('/').pop();
  var landing = main.getAttribute('data-landing') || '/demo/';
  var status = document.getElementById('status');
  var allow = document.getElementById('allow'), deny = document.getElementById('deny');
  function say(text) { status.textContent = text; }
  function choice() {
    var access = document.querySelector('input[name="access"]:checked');
    var record = document.getElementById('record');
    return { access: access ? access.value : 'view-only', record: !!(record && record.checked) };
  }
  function answer(allowed) {
    allow.disabled = true; deny.disabled = true;
    say(allowed ? 'Connecting\u2026' : 'Telling the agent\u2026');
    var done = false, link = null;
    function close() { if (link) link.stop(); }
    function onFrame(f) {
      var b = f.body;
      if (f.type === 'error') { done = true; say(b.message || 'This link cannot be used.'); close(); return; }
      if (f.type !== 'welcome') return;
      // A new link for a session the customer already allowed (they dropped): straight back to it.
      if (b.consentGiven && allowed) {
        done = true;
        try { sessionStorage.setItem('cobrowse.resumeKey', b.resumeKey); } catch (e) {}
        var back = new URL(landing, location.href);
        back.hash = (back.hash ? back.hash.slice(1) + '&' : '') + 'cobrowse=' + b.resumeKey;
        say('Welcome back. Taking you to the page\u2026');
        close();
        location.replace(back.href);
        return;
      }
      var c = choice();
      link.send('consent', { allow: allowed, access: c.access, record: allowed && c.record });
      if (!allowed) {
        done = true;
        say('You declined. Nothing was shared, and the agent has been told.');
        setTimeout(close, 300);
        return;
      }
      var key = b.resumeKey;
      try { sessionStorage.setItem('cobrowse.resumeKey', key); } catch (e) {}
      // Give the engine a moment to answer (a refusal arrives as an error), then go.
      setTimeout(function () {
        if (done) return;
        done = true;
        var u = new URL(landing, location.href);
        u.hash = (u.hash ? u.hash.slice(1) + '&' : '') + 'cobrowse=' + key;
        say('Sharing is on. Taking you to the page\u2026');
        close();
        location.replace(u.href);
      }, 400);
    }
    // A one-time link: no reconnecting; a lost connection is said, and a reload asks again.
    link = cobrowseConnect.open({
      url: location.origin.replace(/^http/, 'ws') + '/ws',
      hello: { protocolVersion: 1, client: 'consent-page', token: token },
      reconnect: false,
      onFrame: onFrame,
      onClose: function () { if (!done) say('The connection to the support service failed. Please reload the page.'); return false; }
    });
  }
  allow.addEventListener('click', function () { answer(true); });
  deny.addEventListener('click', function () { answer(false); });
  allow.disabled = false; deny.disabled = false;
})();

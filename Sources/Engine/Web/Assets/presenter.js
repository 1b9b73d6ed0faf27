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
    var done = false, link = null;
    link = cobrowseConnect.open({
      url: location.origin.replace(/^http/, 'ws') + '/ws', reconnect: false,
      hello: { protocolVersion: 1, client: 'presenter-page', token: token },
      onFrame: function (f) {
        var b = f.body;
        if (f.type === 'error') { done = true; say(b.message || 'This link cannot be used.'); link.stop(); return; }
        if (f.type !== 'welcome' || done) return;
        done = true;
        try { sessionStorage.setItem('cobrowse.resumeKey', b.resumeKey); } catch (e) {}
        target.hash = (target.hash ? target.hash.slice(1) + '&' : '') + 'cobrowse=' + b.resumeKey;
        say('Showing. Taking you to the page\u2026');
        link.stop();
        location.replace(target.href);
      },
      onClose: function () { if (!done) { start.disabled = false; say('The connection to the engine failed. Try again.'); } }
    });
  });
  start.disabled = false;
})();

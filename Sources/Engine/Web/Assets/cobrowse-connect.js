// The one WebSocket link to the engine, for the SDK and the gateway's pages:
// open, say hello, hand on each JSON frame, and (when asked) reconnect with a
// doubling backoff. Loaded on its own by the consent, viewer and presenter pages, and
// served in front of the SDK in /cobrowse.js, so every page speaks the same
// hello and backs off the same way. A frozen namespace: page scripts that run
// later cannot swap the functions the SDK took at start.
var cobrowseConnect = (function () {
  'use strict';
  var FIRST_DELAY_MS = 500, MAX_DELAY_MS = 15000;

  function frame(type, body) { return JSON.stringify({ v: 1, type: type, body: body || {} }); }

  // options: url, hello (the hello frame's body, or a function giving it at each open),
  // onFrame(frame), onClose() -> false keeps it closed,
  // reconnect (default true; a one-time link's page says false); WebSocket and setTimeout for tests.
  function open(options) {
    var Socket = options.WebSocket || WebSocket;
    var later = options.setTimeout || setTimeout;
    var delay = FIRST_DELAY_MS, ws = null, stopped = false, bytes = 0;
    function start() {
      if (stopped) return;
      var socket = ws = new Socket(options.url);
      socket.onopen = function () {
        if (ws !== socket) return;
        var hello = typeof options.hello === 'function' ? options.hello() : options.hello;
        socket.send(frame('hello', hello));
      };
      socket.onmessage = function (ev) {
        if (ws !== socket || stopped) return;
        var f;
        try { f = JSON.parse(ev.data); } catch (e) { return; }
        if (!f || typeof f !== 'object' || typeof f.type !== 'string') return;
        if (!f.body || typeof f.body !== 'object') f.body = {};
        options.onFrame(f);
      };
      socket.onclose = function () {
        if (ws !== socket) return;
        ws = null;
        if (stopped) return;
        var again = options.onClose ? options.onClose() : undefined;
        if (stopped || again === false || options.reconnect === false) return;
        later(start, delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      };
    }
    start();
    return {
      // The frame went on an open socket: true; the UTF-8 bytes are counted for the SDK's own budget.
      send: function (type, body) {
        if (!ws || ws.readyState !== 1) return false;
        var f = frame(type, body);
        bytes += unescape(encodeURIComponent(f)).length;
        ws.send(f);
        return true;
      },
      // The engine accepted us: the next loss starts again from the shortest wait.
      welcomed: function () { delay = FIRST_DELAY_MS; },
      stop: function () {
        stopped = true;
        var s = ws; ws = null;
        if (s) { try { s.close(); } catch (e) {} }
      },
      bytesSent: function () { return bytes; }
    };
  }

  return Object.freeze({ open: open });
})();
if (typeof module !== 'undefined' && module.exports) module.exports = cobrowseConnect;

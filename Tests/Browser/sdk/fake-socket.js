// Installed before the SDK: the WebSocket the SDK opens is this one, so the test reads exactly what the page
// put on its socket (window.sdkFrames) and plays the engine (a consented session, then whatever it is told).
(function () {
  'use strict';
  window.sdkFrames = [];
  var sockets = [];
  function FakeEngineSocket(url) {
    var self = this;
    this.url = url; this.readyState = 0;
    sockets.push(this);
    setTimeout(function () { self.readyState = 1; if (self.onopen) self.onopen({}); }, 0);
  }
  FakeEngineSocket.prototype.send = function (data) {
    var f = JSON.parse(data);
    window.sdkFrames.push(f);
    if (f.type === 'hello') this.hear({ v: 1, type: 'welcome', body: { consentGiven: true, agentName: 'Maria S.', role: 'customer' } });
  };
  FakeEngineSocket.prototype.hear = function (f) {
    var self = this;
    setTimeout(function () { if (self.onmessage) self.onmessage({ data: JSON.stringify(f) }); }, 0);
  };
  FakeEngineSocket.prototype.close = function () { this.readyState = 3; };
  window.WebSocket = FakeEngineSocket;
  // The engine's side: a frame to the SDK, as the engine would send it.
  window.engineSays = function (f) { sockets[sockets.length - 1].hear(f); };
})();

'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { connect } = require('./support');

// A socket the test drives: it records what was sent, and opens, speaks and drops when told.
function fakes() {
  const sockets = [], timers = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
    send(data) { if (this.readyState !== 1) throw new Error('sent on a socket that is not open'); this.sent.push(data); }
    close() { if (this.readyState === 3) return; this.readyState = 3; if (this.onclose) this.onclose({}); }
    open() { this.readyState = 1; this.onopen({}); }
    hear(data) { this.onmessage({ data }); }
    drop() { this.readyState = 3; this.onclose({}); }
  }
  const setTimeout = (fn, ms) => { timers.push({ fn, ms }); return timers.length; };
  const fire = () => { const t = timers.shift(); t.fn(); return t.ms; };
  return { FakeSocket, setTimeout, sockets, timers, fire };
}

test('opens, says hello with the body it is given, and hands on each JSON frame', () => {
  const f = fakes(), heard = [];
  const link = connect.open({ url: 'wss://engine.test/ws', hello: { protocolVersion: 1, client: 'viewer', token: 't0k' },
                              onFrame: (fr) => heard.push(fr), WebSocket: f.FakeSocket, setTimeout: f.setTimeout });
  const s = f.sockets[0];
  assert.equal(s.url, 'wss://engine.test/ws');
  assert.equal(link.send('pong', {}), false, 'nothing goes before the socket is open');
  s.open();
  assert.deepEqual(JSON.parse(s.sent[0]), { v: 1, type: 'hello', body: { protocolVersion: 1, client: 'viewer', token: 't0k' } });
  s.hear('not json {');
  s.hear('"a string"');
  s.hear(JSON.stringify({ v: 1, type: 'welcome', body: { agentName: 'Maria S.' } }));
  s.hear(JSON.stringify({ v: 1, type: 'ping' }));
  assert.deepEqual(heard, [{ v: 1, type: 'welcome', body: { agentName: 'Maria S.' } }, { v: 1, type: 'ping', body: {} }]);
  assert.equal(link.send('pong', { seq: 3 }), true);
  assert.deepEqual(JSON.parse(s.sent[1]), { v: 1, type: 'pong', body: { seq: 3 } });
  assert.equal(link.bytesSent(), Buffer.byteLength(s.sent[1]));
});

test('reconnects after a drop with a doubling wait, capped at 15 s, and from 500 ms again once welcomed', () => {
  const f = fakes();
  let closes = 0;
  const hellos = [];
  let n = 0;
  const link = connect.open({ url: 'wss://engine.test/ws', hello: () => ({ resumeKey: 'k' + (++n) }), onFrame: () => {},
                              onClose: () => { closes++; }, WebSocket: f.FakeSocket, setTimeout: f.setTimeout });
  f.sockets[0].open();
  hellos.push(JSON.parse(f.sockets[0].sent[0]).body);
  const waits = [];
  for (let i = 0; i < 7; i++) {
    f.sockets[f.sockets.length - 1].drop();
    assert.equal(f.timers.length, 1, 'one reconnect is pending');
    waits.push(f.fire());
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.equal(closes, 7);
  assert.equal(f.sockets.length, 8, 'a new socket for every try');
  const s = f.sockets[7];
  s.open();
  hellos.push(JSON.parse(s.sent[0]).body);
  assert.deepEqual(hellos, [{ resumeKey: 'k1' }, { resumeKey: 'k2' }], 'the hello body is asked for at each open');
  link.welcomed();
  s.drop();
  assert.equal(f.fire(), 500);
});

test('stops when told: no reconnect after stop(), nor when the page says the loss is final', () => {
  const f = fakes();
  let closes = 0;
  const link = connect.open({ url: 'u', hello: {}, onFrame: () => {}, onClose: () => { closes++; }, WebSocket: f.FakeSocket, setTimeout: f.setTimeout });
  f.sockets[0].open();
  link.stop();
  assert.equal(f.sockets[0].readyState, 3, 'the socket is closed');
  assert.equal(closes, 0, 'a close the page asked for is not a loss');
  assert.equal(f.timers.length, 0);
  assert.equal(link.send('leave', {}), false);

  // A reconnect already waiting when stop() comes does nothing.
  const g = fakes();
  const late = connect.open({ url: 'u', hello: {}, onFrame: () => {}, WebSocket: g.FakeSocket, setTimeout: g.setTimeout });
  g.sockets[0].drop();
  late.stop();
  g.fire();
  assert.equal(g.sockets.length, 1, 'no socket after stop');

  const h = fakes();
  connect.open({ url: 'u', hello: {}, onFrame: () => {}, onClose: () => false, WebSocket: h.FakeSocket, setTimeout: h.setTimeout });
  h.sockets[0].drop();
  assert.equal(h.timers.length, 0, 'onClose said the loss is final');

  const once = fakes();
  let told = 0;
  connect.open({ url: 'u', hello: {}, onFrame: () => {}, onClose: () => { told++; }, reconnect: false, WebSocket: once.FakeSocket, setTimeout: once.setTimeout });
  once.sockets[0].drop();
  assert.equal(told, 1);
  assert.equal(once.timers.length, 0, 'a one-time link does not reconnect');
});

test('frames from a socket it has left behind are not handed on', () => {
  const f = fakes(), heard = [];
  const link = connect.open({ url: 'u', hello: {}, onFrame: (fr) => heard.push(fr.type), WebSocket: f.FakeSocket, setTimeout: f.setTimeout });
  const old = f.sockets[0];
  old.open();
  link.stop();
  old.hear(JSON.stringify({ type: 'welcome' }));
  assert.deepEqual(heard, []);
});

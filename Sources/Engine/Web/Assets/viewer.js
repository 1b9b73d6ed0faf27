(function () {
  'use strict';
  var main = document.getElementById('viewer');
  if (!main) return;
  function $(id) { return document.getElementById(id); }
  var token = location.pathname.split('/').pop();
  var myName = main.getAttribute('data-viewer') || '', agentName = main.getAttribute('data-agent') || '';
  // The customer's mirror page (mirror mode): the agent's page, not the customer's own.
  var mirror = main.getAttribute('data-mirror') === '1';
  var WHOSE = mirror ? 'the page' : 'the customer\u2019s screen';
  var join = $('join'), status = $('status'), errorBox = $('error'), session = $('session'), stage = $('stage'), screenEl = $('screen');
  var stateEl = $('state'), whoEl = $('who'), give = $('giveback'), controlNote = $('control'), titleEl = $('page-title'), urlEl = $('page-url');
  var SVG = 'http://www.w3.org/2000/svg', INK = '#ff6a00';
  var link = null, welcomed = false, ended = false, behind = false;
  var scene = null;                 // {version, viewport, scroll, url, title, pointer, nodes: Map id -> node}
  var els = new Map();              // node id -> its element
  var marks = [], agentPointer = null, participants = [], controlling = false;
  var layer = document.createElementNS(SVG, 'svg'), tags = document.createElement('div'), cursor = document.createElement('div');
  cursor.className = 'cursor';
  // Above every node (nodes carry their scene z as z-index).
  layer.style.zIndex = '200000'; tags.style.position = 'absolute'; tags.style.left = '0'; tags.style.top = '0';
  tags.style.zIndex = '200001'; cursor.style.zIndex = '200002';

  function say(text) { status.textContent = text; }
  function fail(text) {
    errorBox.textContent = text; errorBox.hidden = false;
    say(''); join.hidden = true;
  }
  function send(type, body) {
    if (link) link.send(type, body);
  }
  var COLOR = /^#[0-9a-fA-F]{6}$/;
  function color(c, fallback) { return typeof c === 'string' && COLOR.test(c) ? c : fallback; }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }

  // ---- the scene: positioned boxes in the customer's CSS pixels, scaled to fit ----
  function fit() {
    if (!scene) return;
    var vw = Math.max(1, num(scene.viewport.width)), vh = Math.max(1, num(scene.viewport.height));
    var room = Math.max(200, stage.parentElement.clientWidth), tall = Math.max(200, innerHeight - stage.getBoundingClientRect().top - 16 + scrollY);
    var k = Math.min(room / vw, tall / vh, 2);
    screenEl.style.width = vw + 'px'; screenEl.style.height = vh + 'px';
    screenEl.style.transform = 'scale(' + k + ')';
    stage.style.width = Math.round(vw * k) + 'px'; stage.style.height = Math.round(vh * k) + 'px';
    screenEl.__scale = k;
    layer.setAttribute('width', vw); layer.setAttribute('height', vh);
  }
  function pixels(canvas, px) {
    var w = px.width | 0, h = px.height | 0;
    if (w <= 0 || h <= 0 || w > 128 || h > 128) return;
    var bin; try { bin = atob(px.rgb || ''); } catch (e) { return; }
    if (bin.length < w * h * 3) return;
    canvas.width = w; canvas.height = h;
    var g = canvas.getContext('2d'), img = g.createImageData(w, h);
    for (var i = 0; i < w * h; i++) {
      img.data[i * 4] = bin.charCodeAt(i * 3); img.data[i * 4 + 1] = bin.charCodeAt(i * 3 + 1);
      img.data[i * 4 + 2] = bin.charCodeAt(i * 3 + 2); img.data[i * 4 + 3] = 255;
    }
    g.putImageData(img, 0, 0);
  }
  function draw(n) {
    var e = document.createElement('div'), r = n.rect || {};
    e.className = 'n'; e.setAttribute('data-node', String(n.id));
    e.style.left = num(r.x) + 'px'; e.style.top = num(r.y) + 'px';
    e.style.width = Math.max(0, num(r.width)) + 'px'; e.style.height = Math.max(0, num(r.height)) + 'px';
    e.style.zIndex = String(Math.max(0, Math.min(100000, n.z | 0)));
    var h = Math.max(0, num(r.height));
    switch (n.kind) {
      case 'box':
        if (n.background) e.style.background = color(n.background, 'transparent');
        if (n.border) e.style.border = '1px solid ' + color(n.border, '#9aa1ad');
        break;
      case 'text':
        e.textContent = String(n.text || '');
        e.style.color = color(n.foreground, '#1d2330');
        e.style.fontSize = Math.max(6, Math.min(h * 0.78, 48)) + 'px';
        break;
      case 'field':
        e.classList.add('field');
        e.textContent = String(n.text || '');
        if (n.background) e.style.background = color(n.background, '#ffffff');
        if (n.border) e.style.borderColor = color(n.border, '#aab');
        e.style.color = color(n.foreground, '#1d2330');
        e.style.fontSize = Math.max(6, Math.min(h * 0.5, 16)) + 'px';
        if (n.label) e.title = String(n.label);
        break;
      case 'image':
        var c = document.createElement('canvas');
        if (n.pixels) pixels(c, n.pixels);
        e.append(c);
        break;
      case 'mask':
        e.classList.add('mask');
        e.textContent = 'MASKED' + (n.label ? ' \u00b7 ' + String(n.label) : '');
        break;
    }
    return e;
  }
  function put(n) {
    var old = els.get(n.id), e = draw(n);
    if (old) old.replaceWith(e); else screenEl.insertBefore(e, layer);
    els.set(n.id, e);
  }
  function full(s) {
    scene = { version: s.version, viewport: s.viewport || { width: 1280, height: 800 }, scroll: s.scroll || { x: 0, y: 0 },
              url: s.url || '', title: s.title || '', pointer: s.pointer || null, nodes: new Map() };
    els.clear();
    screenEl.textContent = '';
    screenEl.append(layer, tags, cursor);
    (s.nodes || []).forEach(function (n) { if (n && n.id != null) { scene.nodes.set(String(n.id), n); put(n); } });
    chrome(); fit(); drawMarks();
  }
  function delta(d) {
    if (!scene || d.baseVersion !== scene.version) {
      // Lost track: keep the last picture and ask the engine for the scene it holds (once, until it comes).
      if (!behind) { behind = true; say('Catching up with ' + WHOSE + '\u2026'); send('request-scene', {}); }
      return;
    }
    (d.removed || []).forEach(function (id) { id = String(id); var e = els.get(id); if (e) e.remove(); els.delete(id); scene.nodes.delete(id); });
    (d.upserts || []).forEach(function (n) { if (n && n.id != null) { scene.nodes.set(String(n.id), n); put(n); } });
    if (d.viewport) scene.viewport = d.viewport;
    if (d.scroll) scene.scroll = d.scroll;
    if (d.url != null) scene.url = d.url;
    if (d.title != null) scene.title = d.title;
    if (d.pointer) scene.pointer = d.pointer;
    scene.version = d.version;
    chrome(); fit(); drawMarks();
  }
  function chrome() {
    titleEl.textContent = String(scene.title || '');
    urlEl.textContent = String(scene.url || '');
    if (scene.pointer) {
      cursor.hidden = false;
      cursor.style.left = num(scene.pointer.x) + 'px'; cursor.style.top = num(scene.pointer.y) + 'px';
    } else cursor.hidden = true;
  }

  // ---- the agent's marks, anchored on scene nodes like the customer's overlay ----
  function anchor(a) {
    if (!a || !scene) return null;
    var n = a.nodeId != null ? scene.nodes.get(String(a.nodeId)) : null;
    if (n && n.rect) {
      var fx = typeof a.fx === 'number' ? a.fx : 0.5, fy = typeof a.fy === 'number' ? a.fy : 0.5;
      return { x: num(n.rect.x) + fx * num(n.rect.width), y: num(n.rect.y) + fy * num(n.rect.height) };
    }
    return { x: num(a.pageX) - num(scene.scroll.x), y: num(a.pageY) - num(scene.scroll.y) };
  }
  function sv(tag, attrs) { var e = document.createElementNS(SVG, tag); for (var k in attrs) e.setAttribute(k, String(attrs[k])); return e; }
  function tag(text, x, y, cls) {
    var t = document.createElement('div'); t.className = cls || 'tag'; t.textContent = String(text || '').slice(0, 200);
    t.style.left = Math.round(x) + 'px'; t.style.top = Math.round(y) + 'px'; tags.append(t);
    return t;
  }
  function drawMarks() {
    while (layer.firstChild) layer.firstChild.remove();
    tags.textContent = '';
    if (!scene) return;
    var stroke = { fill: 'none', stroke: INK, 'stroke-width': 3, 'stroke-linecap': 'round' };
    marks.forEach(function (m) {
      if (!m || !m.at) return;
      var a = anchor(m.at), b = m.to ? anchor(m.to) : null, e = null;
      if (!a) return;
      var bx = b ? { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) } : null;
      switch (m.tool) {
        case 'cursor': e = sv('circle', { cx: a.x, cy: a.y, r: 16, fill: 'rgba(255,106,0,.18)', stroke: INK, 'stroke-width': 3 }); break;
        case 'arrow':
          if (!b) return;
          e = sv('g', {});
          e.append(sv('line', Object.assign({ x1: a.x, y1: a.y, x2: b.x, y2: b.y }, stroke)));
          var ang = Math.atan2(b.y - a.y, b.x - a.x);
          e.append(sv('polygon', { fill: INK, points: [[b.x, b.y], [b.x - 16 * Math.cos(ang - 0.45), b.y - 16 * Math.sin(ang - 0.45)],
            [b.x - 16 * Math.cos(ang + 0.45), b.y - 16 * Math.sin(ang + 0.45)]].map(function (p) { return Math.round(p[0]) + ',' + Math.round(p[1]); }).join(' ') }));
          break;
        case 'circle': if (!bx) return; e = sv('ellipse', Object.assign({ cx: bx.x + bx.w / 2, cy: bx.y + bx.h / 2, rx: Math.max(2, bx.w / 2), ry: Math.max(2, bx.h / 2) }, stroke)); break;
        case 'rectangle': if (!bx) return; e = sv('rect', Object.assign({ x: bx.x, y: bx.y, width: Math.max(2, bx.w), height: Math.max(2, bx.h), rx: 4 }, stroke)); break;
        case 'spotlight':
          if (!bx) return;
          var W = num(scene.viewport.width), H = num(scene.viewport.height);
          e = sv('path', { fill: 'rgba(10,14,24,.55)', 'fill-rule': 'evenodd',
            d: 'M0 0H' + W + 'V' + H + 'H0Z M' + bx.x + ' ' + bx.y + 'h' + bx.w + 'v' + bx.h + 'h' + (-bx.w) + 'Z' });
          break;
        case 'label': e = sv('circle', { cx: a.x, cy: a.y, r: 4, fill: INK }); tag(m.text, a.x + 8, a.y - 10); break;
      }
      if (e) { e.setAttribute('data-mark-id', String(m.id)); layer.append(e); }
    });
    if (agentPointer && agentPointer.at) {
      var p = anchor(agentPointer.at);
      if (p) {
        var ring = sv('circle', { cx: p.x, cy: p.y, r: 16, fill: 'rgba(47,111,237,.18)', stroke: '#2f6fed', 'stroke-width': 3 });
        ring.setAttribute('data-mark-id', 'pointer');
        layer.append(ring);
        tag(agentPointer.author || agentName, p.x + 20, p.y - 30, 'tag name');
      }
    }
  }

  // ---- who is here, who holds control, and the session's state ----
  var MODES = { 'view-only': 'View only', guided: 'Guided', controlled: 'Controlled', 'full-control': 'Full control' };
  function showParticipants(items) {
    participants = items;
    var kinds = { agent: 'agent', watcher: 'supervisor', viewer: 'viewer' };
    whoEl.textContent = items.length ? 'Watching: ' + items.map(function (p) {
      return String(p.name) + ' (' + (kinds[p.kind] || 'watching') + (p.controller ? ', in control' : '') + ')';
    }).join(', ') : '';
    var agent = items.filter(function (p) { return p.kind === 'agent'; })[0];
    if (agent) agentName = String(agent.name);
    controlling = items.some(function (p) { return p.kind === 'viewer' && p.controller && String(p.name) === myName; });
    give.hidden = !controlling; controlNote.hidden = !controlling;
    screenEl.classList.toggle('controlling', controlling);
  }
  function showSummary(s) {
    var bits = [];
    if (s.status === 'ended') bits.push('The session has ended');
    else if (mirror) bits.push('Live: ' + agentName + ' is showing you this page');
    else bits.push(s.customerConnected === false ? 'The customer is away' : 'Live');
    if (s.controlMode && !mirror) bits.push(MODES[s.controlMode] || String(s.controlMode));
    if (s.quality && s.quality !== 'unknown' && !mirror) bits.push('Connection ' + s.quality);   // the customer's link, not the shown page's
    stateEl.textContent = bits.join(' \u00b7 ');
  }
  give.addEventListener('click', function () { send('hand-over', { to: agentName }); });
  // In control: a click points there, anchored on the node under it (like the console's pointer).
  screenEl.addEventListener('click', function (ev) {
    if (!controlling || !scene) return;
    var r = screenEl.getBoundingClientRect(), k = screenEl.__scale || 1;
    var x = (ev.clientX - r.left) / k, y = (ev.clientY - r.top) / k, hit = null;
    scene.nodes.forEach(function (n) {
      var q = n.rect; if (!q || n.id === 'root') return;
      if (x >= q.x && x < q.x + q.width && y >= q.y && y < q.y + q.height && (!hit || (n.z | 0) >= (hit.z | 0))) hit = n;
    });
    var at = { pageX: x + num(scene.scroll.x), pageY: y + num(scene.scroll.y) };
    if (hit) {
      at.nodeId = String(hit.id);
      at.fx = hit.rect.width > 0 ? Math.min(1, Math.max(0, (x - hit.rect.x) / hit.rect.width)) : 0.5;
      at.fy = hit.rect.height > 0 ? Math.min(1, Math.max(0, (y - hit.rect.y) / hit.rect.height)) : 0.5;
    }
    send('agent-pointer', { at: at });
  });
  addEventListener('resize', fit);

  // ---- the connection: once, with the link's token (it cannot be used twice) ----
  function connect() {
    join.disabled = true;
    say('Connecting\u2026');
    link = cobrowseConnect.open({
      url: location.origin.replace(/^http/, 'ws') + '/ws', reconnect: false,
      hello: { protocolVersion: 1, client: 'viewer', token: token },
      onFrame: heard, onClose: lost
    });
  }
  function heard(f) {
    var b = f.body;
    switch (f.type) {
      case 'welcome':
        welcomed = true; join.hidden = true; session.hidden = false;
        if (b.agentName) agentName = String(b.agentName);
        say(mirror ? 'Connected. Waiting for ' + agentName + '\u2019s page\u2026' : 'Connected. Waiting for the customer\u2019s screen\u2026');
        break;
      case 'presenting':
        // The agent stopped showing the page: the mirror says so and draws nothing more.
        if (!mirror || b.active !== false) break;
        ended = true; scene = null; els.clear(); marks = []; agentPointer = null;
        screenEl.textContent = ''; session.hidden = true;
        errorBox.hidden = true;
        say(String(b.by || agentName) + ' stopped showing the page. You can close this tab.');
        link.stop();
        return;
      case 'snapshot':
        if (b.summary) showSummary(b.summary);
        if (b.scene) { full(b.scene); say(''); }
        break;
      case 'summary': showSummary(b); break;
      case 'scene': behind = false; full(b); say(''); break;
      case 'scene-delta': delta(b); break;
      case 'annotations': marks = Array.isArray(b.items) ? b.items.slice(0, 50) : []; drawMarks(); break;
      case 'agent-pointer': agentPointer = b.at ? b : null; drawMarks(); break;
      case 'participants': showParticipants(Array.isArray(b.items) ? b.items : []); break;
      case 'ping': send('pong', { seq: b.seq }); break;
      case 'session-ended':
        ended = true; stateEl.textContent = 'The session has ended';
        say('The session has ended. Nothing more is shown.');
        break;
      case 'error':
        if (!welcomed) { fail(String(b.message || 'This viewer link cannot be used.')); ended = true; link.stop(); return; }
        say(String(b.message || 'The engine refused that.'));
        break;
    }
  }
  function lost() {
    if (ended) return;
    if (!welcomed) fail('The connection to the co-browse service failed. Please ask the agent for a new link.');
    else say('The connection was lost. Ask the agent for a new link to watch again.');
    ended = true;
  }
  join.addEventListener('click', connect);
  join.disabled = false;
  // The customer pressed Open for this page in their overlay: it joins at once.
  if (mirror) { join.hidden = true; connect(); }
})();

// The customer SDK, served at /cobrowse.js. Vanilla JavaScript, no build step:
// any page that includes <script src="https://ENGINE/cobrowse.js"></script>
// joins the session the customer consented to (the consent page hands the
// resume key over in the URL fragment; the SDK removes it at once and keeps it
// in sessionStorage). Everything is masked here, before it leaves the page;
// the engine redacts again (DESIGN §4).
public enum CobrowseScript {
    public static let source = #"""
(function () {
  'use strict';
  if (window.__cobrowse) return;
  var script = document.currentScript;
  if (!script || !script.src) return;
  var ENGINE = new URL(script.src).origin;
  var WS_URL = ENGINE.replace(/^http/, 'ws') + '/ws';
  var KEY = 'cobrowse.resumeKey';
  var MAX_RATE_MS = 150;          // at most ~6 scene messages a second, coalesced
  var FULL_EVERY_MS = 5000;       // a full scene every few seconds heals any loss
  var IMG_MAX = 64;               // images downsampled to at most 64x64
  function listAttr(name) {
    var v = script.getAttribute(name);
    return v ? v.split(',').map(function (s) { return s.trim(); }).filter(Boolean) : [];
  }
  var config = {
    reveal: listAttr('data-cobrowse-reveal'),   // tenant: selectors whose values may be shown
    mask: listAttr('data-cobrowse-mask'),       // tenant: extra selectors to hide entirely
    origins: listAttr('data-cobrowse-origins')  // tenant: other origins of the same site that carry the session
  };

  // ---- the resume key: from the fragment (removed at once) or sessionStorage ----
  function takeKey() {
    var m = /(?:^#|&)cobrowse=([A-Za-z0-9_\-]+)/.exec(location.hash);
    if (m) {
      try { sessionStorage.setItem(KEY, m[1]); } catch (e) {}
      var rest = location.hash.slice(1).split('&').filter(function (p) { return p.indexOf('cobrowse=') !== 0; }).join('&');
      history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
      return m[1];
    }
    try { return sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  var resumeKey = takeKey();
  if (!resumeKey) return;
  window.__cobrowse = { engine: ENGINE };

  // ---- masking at the source ----
  var BULLET = '\u2022';
  function luhn(digits) {
    var sum = 0, alt = false;
    for (var i = digits.length - 1; i >= 0; i--) {
      var d = digits.charCodeAt(i) - 48;
      if (alt) { d *= 2; if (d > 9) d -= 9; }
      sum += d; alt = !alt;
    }
    return sum % 10 === 0;
  }
  function bullets(s) { return s.replace(/\S/g, BULLET); }
  var PATTERNS = [
    /\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b/g,                 // e-mail
    /\b\d{3}-\d{2}-\d{4}\b/g,                                                 // SSN
    /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}\b/g,                          // API keys (Stripe style)
    /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,                                          // AWS keys
    /\b(?:ghp|gho|ghs|xox[abp])[_\-][A-Za-z0-9\-]{10,}\b/g,                    // GitHub / Slack tokens
    /\b[A-Za-z0-9_\-]{32,}\b/g,                                                // long opaque secrets
    /(?:\+\d{1,3}[ .\-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .\-]\d{3,4}[ .\-]\d{3,4}\b/g // phone numbers
  ];
  function maskText(s) {
    s = s.replace(/\b(?:\d[ \-]?){12,18}\d\b/g, function (m) {
      var d = m.replace(/\D/g, '');
      return luhn(d) ? bullets(m) : m;
    });
    for (var i = 0; i < PATTERNS.length; i++) s = s.replace(PATTERNS[i], bullets);
    return s;
  }
  function matchesAny(el, sels) {
    for (var i = 0; i < sels.length; i++) { try { if (el.matches(sels[i])) return true; } catch (e) {} }
    return false;
  }
  var PAYMENT = /card|cc-?num|ccnum|cvv|cvc|csc|iban|security.?code|expir/i;
  function sensitiveReason(el) {
    var type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'password') return 'password';
    var ac = (el.getAttribute('autocomplete') || '').toLowerCase();
    if (/\bcc-/.test(ac)) return 'payment field';
    if (PAYMENT.test(el.name || '') || PAYMENT.test(el.id || '')) return 'payment field';
    if (/one-time-code|new-password|current-password/.test(ac)) return 'password';
    return null;
  }
  function markedMask(el) {
    return el.hasAttribute('data-cobrowse-mask') || matchesAny(el, config.mask);
  }
  function revealed(el) {
    return el.hasAttribute('data-cobrowse-reveal') || matchesAny(el, config.reveal);
  }

  // ---- capture ----
  var ids = new WeakMap(), nextId = 1;
  function idOf(el, suffix) {
    var id = ids.get(el);
    if (!id) { id = 'n' + (nextId++); ids.set(el, id); }
    return suffix ? id + suffix : id;
  }
  function hex(c) {
    var m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(c || '');
    if (!m) return null;
    if (m[4] !== undefined && parseFloat(m[4]) < 0.1) return null;
    return '#' + [m[1], m[2], m[3]].map(function (v) { var h = (+v).toString(16); return h.length < 2 ? '0' + h : h; }).join('');
  }
  function rectOf(r) { return { x: Math.round(r.left), y: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) }; }
  function onScreen(r, vw, vh) { return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh; }
  function labelFor(el) {
    var l = '';
    if (el.id) { try { var f = document.querySelector('label[for="' + CSS.escape(el.id) + '"]'); if (f) l = f.textContent; } catch (e) {} }
    if (!l && el.closest('label')) l = el.closest('label').textContent;
    l = l || el.getAttribute('aria-label') || el.getAttribute('placeholder') || el.name || '';
    return maskText(l.replace(/\s+/g, ' ').trim()).slice(0, 200);
  }
  var imageCache = new Map();
  var canvas = document.createElement('canvas');
  function pixelsOf(img) {
    if (!img.complete || !img.naturalWidth) return null;
    var key = img.currentSrc + '|' + img.naturalWidth;
    if (imageCache.has(key)) return imageCache.get(key);
    var s = Math.min(1, IMG_MAX / Math.max(img.naturalWidth, img.naturalHeight));
    var w = Math.max(1, Math.round(img.naturalWidth * s)), h = Math.max(1, Math.round(img.naturalHeight * s));
    var out = null;
    try {
      canvas.width = w; canvas.height = h;
      var ctx = canvas.getContext('2d');
      ctx.clearRect(0, 0, w, h);
      ctx.drawImage(img, 0, 0, w, h);
      out = rgbBlock(ctx.getImageData(0, 0, w, h), w, h);
    } catch (e) { out = null; } // cross-origin: tainted canvas
    imageCache.set(key, out);
    return out;
  }
  function rgbBlock(data, w, h) {
    var d = data.data, bin = '';
    for (var i = 0; i < w * h; i++) {
      var a = d[i * 4 + 3] / 255;  // composite on white
      bin += String.fromCharCode(Math.round(d[i * 4] * a + 255 * (1 - a)), Math.round(d[i * 4 + 1] * a + 255 * (1 - a)), Math.round(d[i * 4 + 2] * a + 255 * (1 - a)));
    }
    return { width: w, height: h, rgb: btoa(bin) };
  }
  function textRuns(textNode, parentId, z, fg, nodes, vw, vh) {
    var raw = textNode.nodeValue;
    if (!raw || !/\S/.test(raw)) return;
    var range = document.createRange();
    range.selectNodeContents(textNode);
    var rects = range.getClientRects();
    if (!rects.length) return;
    var idx = nodes.length;
    if (rects.length === 1) {
      if (onScreen(rects[0], vw, vh)) {
        nodes.push({ id: parentId + 't' + idx, kind: 'text', rect: rectOf(rects[0]), z: z, foreground: fg,
                     text: maskText(raw.replace(/\s+/g, ' ').trim()).slice(0, 10000) });
      }
      return;
    }
    // Wrapped text: one run per line, grouped word by word.
    var re = /\S+/g, m, line = null, lines = [];
    while ((m = re.exec(raw))) {
      range.setStart(textNode, m.index); range.setEnd(textNode, m.index + m[0].length);
      var r = range.getBoundingClientRect();
      if (!r.width) continue;
      if (line && Math.abs(r.top - line.top) < r.height / 2) {
        line.words.push(m[0]); line.right = Math.max(line.right, r.right); line.bottom = Math.max(line.bottom, r.bottom);
      } else {
        line = { top: r.top, left: r.left, right: r.right, bottom: r.bottom, words: [m[0]] };
        lines.push(line);
      }
    }
    for (var i = 0; i < lines.length; i++) {
      var L = lines[i];
      var lr = { left: L.left, top: L.top, right: L.right, bottom: L.bottom, width: L.right - L.left, height: L.bottom - L.top };
      if (!onScreen(lr, vw, vh)) continue;
      nodes.push({ id: parentId + 't' + idx + '.' + i, kind: 'text', rect: rectOf(lr), z: z, foreground: fg,
                   text: maskText(L.words.join(' ')).slice(0, 10000) });
    }
  }
  function visit(el, depth, nodes, vw, vh) {
    if (el === host || nodes.length > 15000) return;
    var cs = getComputedStyle(el);
    if (cs.display === 'none') return;
    var tag = el.tagName;
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'NOSCRIPT' || tag === 'TEMPLATE' || tag === 'HEAD') return;
    var hidden = cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0;
    var r = el.getBoundingClientRect();
    var visible = !hidden && onScreen(r, vw, vh);
    var id = idOf(el);
    var z = Math.min(depth, 900);
    if (visible && markedMask(el)) {
      nodes.push({ id: id, kind: 'mask', rect: rectOf(r), z: 1000, label: 'marked private' });
      return;
    }
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      if (!visible) return;
      var type = tag === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : tag.toLowerCase();
      if (type === 'hidden') return;
      var why = sensitiveReason(el);
      if (why) { nodes.push({ id: id, kind: 'mask', rect: rectOf(r), z: 1000, label: why }); return; }
      if (type === 'submit' || type === 'button' || type === 'reset') {
        nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: hex(cs.backgroundColor) || '#e0e0e0', border: hex(cs.borderTopColor) });
        nodes.push({ id: id + 'l', kind: 'text', rect: rectOf(r), z: z + 1, foreground: hex(cs.color), text: maskText(el.value || type) });
        return;
      }
      var value;
      if (type === 'checkbox' || type === 'radio') value = el.checked ? '[x]' : '[ ]';
      else {
        value = tag === 'SELECT' ? (el.selectedOptions[0] ? el.selectedOptions[0].text : '') : el.value;
        value = revealed(el) ? maskText(value) : (value ? BULLET.repeat(Math.min(value.length, 12)) : '');
      }
      nodes.push({ id: id, kind: 'field', rect: rectOf(r), z: z, background: hex(cs.backgroundColor), foreground: hex(cs.color),
                   border: hex(cs.borderTopColor), label: labelFor(el), fieldType: type, text: value.slice(0, 10000) });
      return;
    }
    if (tag === 'IMG' || tag === 'VIDEO' || tag === 'CANVAS' || tag === 'SVG' || tag === 'svg') {
      if (!visible) return;
      var px = tag === 'IMG' ? pixelsOf(el) : null;
      if (px) { nodes.push({ id: id, kind: 'image', rect: rectOf(r), z: z, pixels: px }); return; }
      nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: '#d8dce3', border: '#9aa1ad', label: 'image' });
      var alt = tag === 'IMG' ? (el.alt || 'image') : tag.toLowerCase();
      nodes.push({ id: id + 'l', kind: 'text', rect: rectOf(r), z: z + 1, foreground: '#3a4050', text: '[' + maskText(alt).slice(0, 80) + ']' });
      return;
    }
    if (tag === 'IFRAME' || tag === 'EMBED' || tag === 'OBJECT') {
      if (!visible) return;
      var what = 'embedded content';
      try { if (tag === 'IFRAME' && el.src) what = 'embedded page: ' + new URL(el.src, location.href).host; } catch (e) {}
      nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: '#d8dce3', border: '#9aa1ad', label: what });
      nodes.push({ id: id + 'l', kind: 'text', rect: rectOf(r), z: z + 1, foreground: '#3a4050', text: '[' + what + ']' });
      return;
    }
    if (visible) {
      var bg = hex(cs.backgroundColor);
      var bw = parseFloat(cs.borderTopWidth) || 0;
      var border = bw > 0 && cs.borderTopStyle !== 'none' ? hex(cs.borderTopColor) : null;
      if (bg || border) nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: bg, border: border });
    }
    var fg = hex(cs.color) || '#000000';
    for (var c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1) visit(c, depth + 1, nodes, vw, vh);
      else if (c.nodeType === 3 && !hidden) textRuns(c, id, z + 1, fg, nodes, vw, vh);
    }
  }
  function clean(n) { for (var k in n) if (n[k] === null || n[k] === undefined) delete n[k]; return n; }
  function pageURL() { return (location.origin + location.pathname).slice(0, 2048); }
  function captureScene() {
    var vw = document.documentElement.clientWidth || innerWidth, vh = document.documentElement.clientHeight || innerHeight;
    var nodes = [];
    var rootBg = hex(getComputedStyle(document.body || document.documentElement).backgroundColor) ||
                 hex(getComputedStyle(document.documentElement).backgroundColor) || '#ffffff';
    nodes.push({ id: 'root', kind: 'box', rect: { x: 0, y: 0, width: vw, height: vh }, z: 0, background: rootBg });
    if (document.body) visit(document.body, 1, nodes, vw, vh);
    return { viewport: { width: vw, height: vh }, scroll: { x: Math.round(scrollX), y: Math.round(scrollY) },
             url: pageURL(), title: maskText(document.title || '').slice(0, 500), nodes: nodes.map(clean) };
  }

  // ---- sending: full scenes and coalesced deltas ----
  var ws = null, connected = false, consented = false, ended = false;
  var version = 0, sent = null, lastFull = 0, timer = null, dirty = false, pointer = null, pointerDirty = false;
  var lastSendAt = 0, backoff = 500, bytesSent = 0, agentName = 'your agent';
  function frame(type, body) { return JSON.stringify({ v: 1, type: type, body: body || {} }); }
  function send(type, body) {
    if (!ws || ws.readyState !== 1) return false;
    var f = frame(type, body);
    bytesSent += unescape(encodeURIComponent(f)).length; // UTF-8 bytes on the wire
    ws.send(f);
    return true;
  }
  function sendFull() {
    if (!connected || !consented) return;
    if (screen) return screenFull();
    var s = captureScene();
    version += 1;
    var scene = { version: version, source: 'page', viewport: s.viewport, scroll: s.scroll, url: s.url, title: s.title, nodes: s.nodes };
    if (pointer) scene.pointer = pointer;
    if (!send('scene', scene)) return;
    sent = { byId: indexNodes(s.nodes), viewport: s.viewport, scroll: s.scroll, url: s.url, title: s.title };
    lastFull = Date.now(); lastSendAt = lastFull; dirty = false; pointerDirty = false;
  }
  function indexNodes(nodes) { var m = new Map(); nodes.forEach(function (n) { m.set(n.id, JSON.stringify(n)); }); return m; }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function sendDelta() {
    if (screen) return;
    if (!sent) return sendFull();
    var s = dirty ? captureScene() : null;
    var d = { baseVersion: version, version: version + 1, upserts: [], removed: [] };
    if (s) {
      var now = indexNodes(s.nodes);
      s.nodes.forEach(function (n) { if (sent.byId.get(n.id) !== now.get(n.id)) d.upserts.push(n); });
      sent.byId.forEach(function (_, id) { if (!now.has(id)) d.removed.push(id); });
      if (d.upserts.length + d.removed.length > s.nodes.length / 2 && s.nodes.length > 20) return sendFull();
      if (!same(s.viewport, sent.viewport)) d.viewport = s.viewport;
      if (!same(s.scroll, sent.scroll)) d.scroll = s.scroll;
      if (s.url !== sent.url) d.url = s.url;
      if (s.title !== sent.title) d.title = s.title;
    }
    if (pointerDirty && pointer) d.pointer = pointer;
    if (!d.upserts.length && !d.removed.length && !d.viewport && !d.scroll && !d.url && !d.title && !d.pointer) { dirty = false; pointerDirty = false; return; }
    if (!send('scene-delta', d)) return;
    version += 1;
    if (s) sent = { byId: indexNodes(s.nodes), viewport: s.viewport, scroll: s.scroll, url: s.url, title: s.title };
    lastSendAt = Date.now(); dirty = false; pointerDirty = false;
  }
  function schedule() {
    if (timer || !connected || !consented || screen) return;
    var wait = Math.max(0, MAX_RATE_MS - (Date.now() - lastSendAt));
    timer = setTimeout(function () { timer = null; try { sendDelta(); } catch (e) { sendFull(); } }, wait);
  }
  function markDirty() { dirty = true; schedule(); }
  setInterval(function () {
    if (connected && consented && Date.now() - lastFull >= FULL_EVERY_MS) { try { sendFull(); } catch (e) {} }
    overlay.tick();
  }, 1000);
  new MutationObserver(function (list) {
    for (var i = 0; i < list.length; i++) if (!host.contains(list[i].target)) { markDirty(); return; }
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  addEventListener('scroll', markDirty, { passive: true, capture: true });
  addEventListener('resize', markDirty, { passive: true });
  addEventListener('input', markDirty, true);
  addEventListener('change', markDirty, true);
  addEventListener('load', markDirty, true);
  addEventListener('mousemove', function (e) { pointer = { x: e.clientX, y: e.clientY }; pointerDirty = true; schedule(); }, { passive: true });

  // ---- screen mode: a screen-capture stream sent as pixel tiles ----
  // Opt-in, with its own consent: masking cannot apply to pixels. Frames are
  // downsampled in the page (to fit SCREEN_W x SCREEN_H), cut into tiles of at
  // most TILE px and sent as `image` nodes in a scene with source "screen":
  // only changed tiles, at most SCREEN_FPS a second, a full scene on request
  // and every FULL_EVERY_MS. The stream ending returns to page mode.
  var SCREEN_W = 256, SCREEN_H = 144, TILE = 64, SCREEN_FPS = 2;
  var SCREEN_CONSENT = 'Share your screen? The agent will see everything on the screen or window you choose, ' +
    'including other apps and notifications. Nothing on it can be masked: close or hide anything private first. ' +
    'Stop at any time with your browser\'s "Stop sharing".';
  var MOBILE = /Android|iPhone|iPad|iPod|Mobi/i.test(navigator.userAgent || '');
  var NO_SCREEN = 'Screen sharing is not available in this browser (mobile browsers share this page only). Your agent sees this page.';
  var screen = null;  // { stream, video, canvas, ctx, tiles: Map id -> rgb, viewport, timer }
  function canCapture() { return !MOBILE && !!(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia); }
  // The entry point: asks the customer in the overlay, then shares `stream` when
  // given (tests pass canvas.captureStream()) or the screen the customer picks.
  function offerScreen(stream) {
    if (ended || !consented) return false;
    if (!stream && !canCapture()) { overlay.notice(NO_SCREEN, true); return false; }
    if (MOBILE) { overlay.notice(NO_SCREEN, true); return false; }
    overlay.ask(SCREEN_CONSENT, function (ok) {
      if (!ok) return;
      if (stream) return startScreen(stream);
      navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false }).then(startScreen, function (e) {
        overlay.notice('Screen sharing did not start' + (e && e.name === 'NotAllowedError' ? ' (not allowed).' : '.') + ' Your agent sees this page.', true);
      });
    }, 'Share screen', 'Cancel');
    return true;
  }
  function startScreen(stream) {
    if (ended || !consented || !stream || !stream.getVideoTracks().length) return;
    stopScreen(true);
    var video = document.createElement('video');
    video.muted = true; video.playsInline = true; video.srcObject = stream;
    try { var p = video.play(); if (p && p.catch) p.catch(function () {}); } catch (e) {}
    var c = document.createElement('canvas');
    screen = { stream: stream, video: video, canvas: c, ctx: c.getContext('2d', { willReadFrequently: true }), tiles: new Map(), viewport: null, full: true };
    stream.getVideoTracks().forEach(function (t) { t.addEventListener('ended', function () { stopScreen(); }); });
    if (timer) { clearTimeout(timer); timer = null; }
    screen.timer = setInterval(screenTick, Math.round(1000 / SCREEN_FPS));
    overlay.show(agentName, true);
  }
  function stopScreen(quiet) {
    if (!screen) return;
    var s = screen; screen = null;
    clearInterval(s.timer);
    try { s.stream.getTracks().forEach(function (t) { t.stop(); }); } catch (e) {}
    s.video.srcObject = null;
    if (quiet) return;
    overlay.show(agentName, consented);
    sent = null;
    if (connected && consented) sendFull();
  }
  function screenLive() {
    return screen && screen.stream.getVideoTracks().some(function (t) { return t.readyState !== 'ended'; });
  }
  // One frame, downsampled, as tiles: [{id, rect, pixels}] plus the viewport.
  function grabScreen() {
    var v = screen.video, vw = v.videoWidth, vh = v.videoHeight;
    if (!vw || !vh || v.readyState < 2) return null;
    var k = Math.min(1, SCREEN_W / vw, SCREEN_H / vh);
    var w = Math.max(1, Math.round(vw * k)), h = Math.max(1, Math.round(vh * k));
    var c = screen.canvas, ctx = screen.ctx;
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    ctx.drawImage(v, 0, 0, w, h);
    var tiles = [];
    for (var ty = 0; ty < h; ty += TILE) {
      for (var tx = 0; tx < w; tx += TILE) {
        var tw = Math.min(TILE, w - tx), th = Math.min(TILE, h - ty);
        var x0 = Math.round(tx * vw / w), y0 = Math.round(ty * vh / h);
        var x1 = Math.round((tx + tw) * vw / w), y1 = Math.round((ty + th) * vh / h);
        tiles.push({ id: 'screen-' + (tx / TILE) + '-' + (ty / TILE), kind: 'image', z: 1,
                     rect: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
                     pixels: rgbBlock(ctx.getImageData(tx, ty, tw, th), tw, th) });
      }
    }
    return { viewport: { width: vw, height: vh }, tiles: tiles };
  }
  function screenScene(f) {
    return { source: 'screen', viewport: f.viewport, scroll: { x: 0, y: 0 }, url: pageURL(), title: 'Screen mode: the customer\'s shared screen' };
  }
  function screenFull() {
    if (!screen) return;
    var f = grabScreen();
    if (!f) { screen.full = true; return; }  // no frame yet: the next tick sends it
    version += 1;
    var scene = screenScene(f);
    scene.version = version; scene.nodes = f.tiles;
    if (!send('scene', scene)) return;
    screen.viewport = f.viewport; screen.tiles = new Map();
    f.tiles.forEach(function (t) { screen.tiles.set(t.id, t.pixels.rgb); });
    screen.full = false; lastFull = Date.now(); lastSendAt = lastFull; sent = null;
  }
  function screenTick() {
    if (!screen) return;
    if (!screenLive()) return stopScreen();
    if (!connected || !consented) return;
    try {
      if (screen.full || !screen.viewport) return screenFull();
      var f = grabScreen();
      if (!f) return;
      if (!same(f.viewport, screen.viewport) || f.tiles.length !== screen.tiles.size) return screenFull();
      var changed = f.tiles.filter(function (t) { return screen.tiles.get(t.id) !== t.pixels.rgb; });
      if (!changed.length) return;
      if (!send('scene-delta', { baseVersion: version, version: version + 1, upserts: changed, removed: [] })) return;
      version += 1;
      changed.forEach(function (t) { screen.tiles.set(t.id, t.pixels.rgb); });
      lastSendAt = Date.now();
    } catch (e) { screen.full = true; }
  }
  window.__cobrowse.shareScreen = offerScreen;
  window.__cobrowse.mode = function () { return screen ? 'screen' : 'page'; };

  // ---- carrying the session to the tenant's other origins ----
  if (config.origins.length) {
    document.addEventListener('click', function (e) {
      var a = e.target && e.target.closest ? e.target.closest('a[href]') : null;
      if (!a) return;
      var u = new URL(a.href, location.href);
      if (u.origin !== location.origin && config.origins.indexOf(u.origin) >= 0 && resumeKey) {
        u.hash = (u.hash ? u.hash.slice(1) + '&' : '') + 'cobrowse=' + resumeKey;
        a.href = u.href;
      }
    }, true);
  }

  // ---- page errors and failed requests, for "debugging error messages" sessions ----
  // Masked here like everything else, at most PE_MAX a minute and the same line
  // once per 10 s, so a page in an error loop cannot flood the link or the feed.
  var PE_MAX = 10, PE_WINDOW_MS = 60000, peSince = 0, peCount = 0, peQueue = [], peLast = new Map();
  function utf8Cut(s, n) {
    var enc = new TextEncoder();
    if (enc.encode(s).length <= n) return s;
    while (s && enc.encode(s).length > n - 1) s = s.slice(0, Math.max(0, s.length - Math.max(1, (s.length / 10) | 0)));
    return s + '\u2026';
  }
  function pageEvent(kind, text) {
    try {
      text = utf8Cut(maskText(String(text || '').replace(/\s+/g, ' ').trim()), 900);
      if (!text || ended) return;
      var now = Date.now(), key = kind + '|' + text;
      if (peLast.has(key) && now - peLast.get(key) < 10000) return;
      peLast.set(key, now);
      if (peLast.size > 200) peLast.clear();
      if (now - peSince >= PE_WINDOW_MS) { peSince = now; peCount = 0; }
      if (++peCount > PE_MAX) return;
      var ev = { kind: kind, text: text };
      if (connected && consented) send('page-event', ev); else if (peQueue.length < 5) peQueue.push(ev);
    } catch (e) {}
  }
  function flushPageEvents() { while (peQueue.length && connected && consented) send('page-event', peQueue.shift()); }
  // Where a request went, without its query string (tokens, e-mail addresses).
  function where(u) {
    try { var x = new URL(u, location.href); return (x.origin === location.origin ? '' : x.origin) + x.pathname; } catch (e) { return '(unknown address)'; }
  }
  addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) {
      var src = t.currentSrc || t.src || t.href;
      if (src) pageEvent('network', 'Could not load ' + t.tagName.toLowerCase() + ' ' + where(src));
      return;
    }
    var msg = e.message || (e.error && e.error.message) || 'Script error';
    pageEvent('error', msg + (e.filename ? ' (' + where(e.filename) + ':' + (e.lineno || 0) + ')' : ''));
  }, true);
  addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    pageEvent('error', 'Unhandled promise rejection: ' + (r && r.message ? r.message : String(r)));
  });
  if (window.fetch) {
    var pageFetch = window.fetch;
    window.fetch = function (input, init) {
      var method = String((init && init.method) || (input && input.method) || 'GET').toUpperCase();
      var url = where(typeof input === 'string' ? input : (input && input.url) || String(input));
      return pageFetch.apply(this, arguments).then(function (r) {
        if (!r.ok) pageEvent('network', method + ' ' + url + ' \u2192 ' + r.status + (r.statusText ? ' ' + r.statusText : ''));
        return r;
      }, function (err) {
        pageEvent('network', method + ' ' + url + ' failed: ' + ((err && err.message) || 'network error'));
        throw err;
      });
    };
  }
  var xhrOpen = XMLHttpRequest.prototype.open, xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (m, u) { this.__cobrowse = { m: String(m).toUpperCase(), u: where(u) }; return xhrOpen.apply(this, arguments); };
  XMLHttpRequest.prototype.send = function () {
    var x = this, info = x.__cobrowse;
    if (info) x.addEventListener('loadend', function () {
      if (x.status === 0 || x.status >= 400) pageEvent('network', info.m + ' ' + info.u + (x.status ? ' \u2192 ' + x.status : ' failed'));
    });
    return xhrSend.apply(this, arguments);
  };

  // ---- connection ----
  function connect() {
    if (ended) return;
    ws = new WebSocket(WS_URL);
    ws.onopen = function () { ws.send(frame('hello', { protocolVersion: 1, client: 'cobrowse.js', resumeKey: resumeKey })); };
    ws.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      var b = f.body || {};
      switch (f.type) {
        case 'welcome':
          connected = true; backoff = 500;
          consented = !!b.consentGiven;
          agentName = b.agentName || agentName;
          overlay.show(agentName, consented);
          if (consented) { sendFull(); flushPageEvents(); }
          break;
        case 'ping': send('pong', { seq: b.seq }); break;
        case 'request-scene': sendFull(); break;
        case 'quality': overlay.quality(b.quality); break;
        case 'notice': overlay.notice(String(b.text || '')); break;
        case 'mode-request': overlay.ask(modeQuestion(b.mode), function (ok) { send('mode-answer', { mode: b.mode, accept: ok }); }); break;
        case 'extension-request': overlay.ask('Your agent asks to continue the session ' + (b.minutes | 0) + ' more minutes.', function (ok) { send('extension-answer', { accept: ok }); }); break;
        case 'quality-check':
          overlay.ask('Is the screen quality okay for you?', function (ok) { send('quality-answer', { ok: ok }); }, 'Yes', 'No');
          break;
        case 'session-ended':
          // The engine keeps the connection open for the survey only when it offers one.
          if ((b.surveySeconds | 0) > 0) startSurvey(b.surveySeconds | 0);
          else finish('The session has ended. Nothing more is shared.');
          break;
        case 'error':
          if (!connected || /link-used|link-expired|not-found|not-allowed|bad-state/.test(b.code || '') && !consented) {
            finish(String(b.message || 'This co-browse session is not available.'));
          }
          break;
      }
    };
    ws.onclose = function () {
      var was = connected;
      connected = false; ws = null;
      if (ended) return;
      overlay.quality(was ? 'Reconnecting' : 'Connecting');
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  function modeQuestion(mode) {
    var names = { 'view-only': 'go back to view only', 'guided': 'guide you with pointers on your page',
                  'controlled': 'click and type on this page, each action approved by you', 'full-control': 'take full control of this page' };
    return 'Your agent asks to ' + (names[mode] || mode) + '. Allow?';
  }
  function finish(text) {
    stopScreen(true);
    ended = true; connected = false;
    try { sessionStorage.removeItem(KEY); } catch (e) {}
    if (ws) { try { ws.close(); } catch (e) {} }
    overlay.end(text);
  }
  function stopSharing() {
    // Nothing more is captured from here on; the engine answers with session-ended (and the survey).
    stopScreen(true);
    consented = false;
    if (!send('leave', {})) return finish('You stopped sharing. The agent no longer sees this page.');
    overlay.notice('You stopped sharing. The agent no longer sees this page.', true);
    setTimeout(function () { if (!ended) finish('You stopped sharing. The agent no longer sees this page.'); }, 5000);
  }
  function startSurvey(seconds) {
    stopScreen(true);
    ended = true; consented = false;
    try { sessionStorage.removeItem(KEY); } catch (e) {}
    var closed = false;
    function close(text) {
      if (closed) return;
      closed = true;
      if (ws) { try { ws.close(); } catch (e) {} }
      overlay.end(text);
    }
    var lapse = setTimeout(function () { close('The session has ended. Nothing more is shared.'); }, seconds * 1000);
    overlay.survey('The session has ended. Nothing more is shared. How was your support session?', function (stars, comment) {
      clearTimeout(lapse);
      var body = { stars: stars };
      comment = utf8Cut(maskText(comment.trim()), 1000);
      if (comment) body.comment = comment;
      send('survey', body);
      close('Thank you for your feedback.');
    }, function () {
      clearTimeout(lapse);
      send('leave', {});
      close('The session has ended. Nothing more is shared.');
    });
  }

  // ---- overlay: a shadow root that never changes the page ----
  var host = document.createElement('cobrowse-overlay');
  var overlay = (function () {
    host.style.setProperty('all', 'initial');
    host.style.setProperty('position', 'fixed');
    host.style.setProperty('inset', '0');
    host.style.setProperty('pointer-events', 'none');
    host.style.setProperty('z-index', '2147483647');
    var root = host.attachShadow({ mode: 'closed' });
    var css = ':host{all:initial}' +
      '.bar{position:fixed;right:12px;bottom:12px;display:flex;gap:10px;align-items:center;font:13px/1.3 system-ui,sans-serif;' +
      'background:#151b2b;color:#fff;border-radius:8px;padding:8px 10px;box-shadow:0 2px 10px rgba(0,0,0,.3);pointer-events:auto}' +
      '.dot{width:9px;height:9px;border-radius:50%;background:#3fb950}.q-Fair .dot{background:#d29922}.q-Poor .dot,.q-Reconnecting .dot{background:#f85149}' +
      'button{font:inherit;border:0;border-radius:6px;padding:5px 10px;cursor:pointer;pointer-events:auto}' +
      '.stop{background:#f85149;color:#fff}.ok{background:#3fb950;color:#fff}.no{background:#5a6270;color:#fff}' +
      '.panel{position:fixed;right:12px;bottom:64px;max-width:340px;font:14px/1.4 system-ui,sans-serif;background:#fff;color:#1d2330;' +
      'border:1px solid #ccd;border-radius:8px;padding:10px 12px;box-shadow:0 2px 10px rgba(0,0,0,.2);pointer-events:auto}' +
      '.panel p{margin:0 0 8px}.row{display:flex;gap:8px}' +
      '.star{background:#eef0f4;color:#9aa1ad;font-size:20px;padding:2px 8px}.star.on{color:#d29922}' +
      'textarea{display:block;width:100%;box-sizing:border-box;margin:8px 0;font:inherit;min-height:54px;pointer-events:auto}' +
      'button:disabled{opacity:.5;cursor:default}';
    try { var sheet = new CSSStyleSheet(); sheet.replaceSync(css); root.adoptedStyleSheets = [sheet]; } catch (e) {}
    var bar = el('div', 'bar'), dot = el('span', 'dot'), label = el('span', ''), q = el('span', ''), clock = el('span', '');
    var stop = el('button', 'stop'); stop.textContent = 'Stop sharing'; stop.addEventListener('click', stopSharing);
    // Screen mode is opt-in from here (desktop browsers only; mobile shares the page only).
    var share = el('button', 'no'); share.setAttribute('data-cb', 'share-screen');
    share.addEventListener('click', function () { if (screen) stopScreen(); else offerScreen(); });
    bar.append(dot, label, q, clock, share, stop);
    var panels = el('div', '');
    root.append(panels, bar);
    var startedAt = Date.now();
    function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }
    function pad(n) { return (n < 10 ? '0' : '') + n; }
    function attach() { if (!host.isConnected) document.documentElement.appendChild(host); }
    function panel(text, buttons) {
      var p = el('div', 'panel'), t = el('p', ''); t.textContent = text; p.append(t);
      if (buttons) { var row = el('div', 'row'); buttons.forEach(function (b) { row.append(b); }); p.append(row); }
      panels.append(p); return p;
    }
    return {
      show: function (agent, sharing) {
        label.textContent = !sharing ? 'Waiting for your consent' : screen ? 'Sharing your screen with ' + agent :
          'Sharing this page with ' + agent + (MOBILE ? ' (mobile browsers share this page only, never the screen)' : '');
        share.textContent = screen ? 'Back to this page' : 'Share screen';
        share.style.display = sharing && (screen || canCapture()) ? '' : 'none';
        share.title = MOBILE ? 'Mobile browsers share this page only' : '';
        attach();
      },
      quality: function (v) { q.textContent = '\u00b7 ' + v; bar.className = 'bar q-' + v; },
      tick: function () { var s = Math.floor((Date.now() - startedAt) / 1000); clock.textContent = '\u00b7 ' + pad(Math.floor(s / 60)) + ':' + pad(s % 60); },
      notice: function (text, own) { var p = panel(own ? text : 'Your agent: ' + text); setTimeout(function () { p.remove(); }, 15000); },
      ask: function (text, answer, yesLabel, noLabel) {
        var yes = el('button', 'ok'), no = el('button', 'no');
        yes.textContent = yesLabel || 'Allow'; no.textContent = noLabel || 'Deny';
        yes.setAttribute('data-cb', 'answer-yes'); no.setAttribute('data-cb', 'answer-no');
        var p = panel(text, [yes, no]);
        yes.addEventListener('click', function () { answer(true); p.remove(); });
        no.addEventListener('click', function () { answer(false); p.remove(); });
      },
      survey: function (text, submit, skip) {
        bar.remove(); panels.textContent = '';
        var stars = 0, row = el('div', 'row'), buttons = [];
        for (var i = 1; i <= 5; i++) (function (n) {
          var b = el('button', 'star'); b.textContent = '\u2605';
          b.setAttribute('aria-label', n + (n === 1 ? ' star' : ' stars')); b.setAttribute('data-cb', 'star-' + n);
          b.addEventListener('click', function () {
            stars = n; send_.disabled = false;
            buttons.forEach(function (x, j) { x.className = j < n ? 'star on' : 'star'; });
          });
          buttons.push(b); row.append(b);
        })(i);
        var comment = el('textarea', ''); comment.maxLength = 1000; comment.placeholder = 'Anything to add? (optional)';
        comment.setAttribute('data-cb', 'comment');
        var send_ = el('button', 'ok'), skip_ = el('button', 'no');
        send_.textContent = 'Send'; send_.disabled = true; send_.setAttribute('data-cb', 'survey-send');
        skip_.textContent = 'Skip'; skip_.setAttribute('data-cb', 'survey-skip');
        var p = panel(text, [send_, skip_]);
        p.insertBefore(comment, p.lastChild); p.insertBefore(row, comment);
        send_.addEventListener('click', function () { if (stars) submit(stars, comment.value); });
        skip_.addEventListener('click', skip);
        attach();
      },
      end: function (text) {
        bar.remove(); panels.textContent = '';
        var close = el('button', 'no'); close.textContent = 'Close';
        var p = panel(text, [close]); attach();
        close.addEventListener('click', function () { host.remove(); });
      }
    };
  })();
  window.__cobrowse.bytesSent = function () { return bytesSent; };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', connect); else connect();
})();
"""#
}

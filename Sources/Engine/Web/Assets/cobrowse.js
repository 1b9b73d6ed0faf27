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
  var connection = cobrowseConnect, P = cobrowsePrivacy;
  function listAttr(name) {
    var v = script.getAttribute(name);
    return v ? v.split(',').map(function (s) { return s.trim(); }).filter(Boolean) : [];
  }
  // The page's own privacy settings; the tenant's policy in the engine's rules adds to them (cobrowse-privacy.js).
  var pagePrivacy = {
    reveal: script.getAttribute('data-cobrowse-reveal'),   // selectors whose values may be shown
    mask: script.getAttribute('data-cobrowse-mask'),       // extra selectors to hide entirely
    block: script.getAttribute('data-cobrowse-block'),     // selectors not sent at all, not even their box
    // "private-by-default" masks all text an element (or a selector) does not reveal; a value it does not know masks too
    privacy: script.getAttribute('data-cobrowse-privacy')
  };
  var config = {
    origins: listAttr('data-cobrowse-origins'), // tenant: other origins of the same site that carry the session
    liveHelp: script.getAttribute('data-cobrowse-live-help') === 'on'  // tenant: offer "Get live help" while no session runs
  };

  // ---- the resume key: from the fragment (removed at once) or sessionStorage ----
  function takeKey() {
    var m = /(?:^#|&)cobrowse=([A-Za-z0-9_\-]+)/.exec(location.hash);
    if (m) {
      try {
        // A new session starts in View only, whatever an earlier one in this tab reached.
        if (sessionStorage.getItem(KEY) !== m[1]) sessionStorage.removeItem('cobrowse.mode');
        sessionStorage.setItem(KEY, m[1]);
      } catch (e) {}
      var rest = location.hash.slice(1).split('&').filter(function (p) { return p.indexOf('cobrowse=') !== 0; }).join('&');
      history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
      return m[1];
    }
    try { return sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  var resumeKey = takeKey();
  if (!resumeKey) { if (config.liveHelp) offerLiveHelp(); return; }
  window.__cobrowse = { engine: ENGINE };

  // ---- "Get live help" (the tenant's data-cobrowse-live-help="on") ----
  // Only while no session runs in this tab: the customer leaves a name, an
  // e-mail address and a line of what is wrong; the agents' lobby shows it and
  // the one-time link comes by e-mail, so nothing here starts a session or
  // reads the page. The page is sent as origin and path only: a query or a
  // fragment may hold the site's tokens. The JSON goes as text/plain, a simple
  // request, so no preflight is needed; the engine answers only listed origins.
  function offerLiveHelp() {
    var css = ':host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}' +
      'button{border:0;border-radius:6px;padding:7px 12px;cursor:pointer}button:disabled{opacity:.5;cursor:default}' +
      '.open{background:#2f6fed;color:#fff;box-shadow:0 2px 10px rgba(0,0,0,.3)}' +
      '.form{width:min(320px,calc(100vw - 32px));background:#fff;color:#1d2330;border:1px solid #ccd;border-radius:8px;padding:12px;box-shadow:0 2px 10px rgba(0,0,0,.2)}' +
      '.form p{margin:0 0 8px}.title{font-weight:600}label{display:block;margin:6px 0 2px;color:#5a6270;font-size:12px}' +
      'input{display:block;width:100%;padding:6px;border:1px solid #aab;border-radius:4px}' +
      '.row{display:flex;gap:8px;margin-top:10px}.send{background:#3fb950;color:#fff}.cancel{background:#5a6270;color:#fff}' +
      '.status{margin-top:8px;color:#1d2330}.status:empty{display:none}';
    var box = shadowHost('cobrowse-live-help', { right: '16px', bottom: '16px', 'z-index': '2147483646' }, css), root = box.root;
    function make(tag, cls, text, cb) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text) e.textContent = text;
      if (cb) e.setAttribute('data-cb', cb);
      return e;
    }
    var form = make('form', 'form', '', 'live-help-form');
    var fields = make('div', '');
    function field(text, type, name, max, required) {
      var l = make('label', '', text), i = make('input', '', '', 'live-help-' + name);
      i.type = type; i.name = name; i.maxLength = max; i.required = required;
      l.append(i); fields.append(l);
      return i;
    }
    fields.append(make('p', 'title', 'Ask an agent to look at this with you'));
    fields.append(make('p', '', 'They send a secure link to your e-mail; they can see your screen only after you allow it.'));
    var name = field('Your name', 'text', 'name', 80, true);
    var email = field('E-mail (the link comes here)', 'email', 'email', 254, true);
    var topic = field('What do you need help with? (optional)', 'text', 'topic', 300, false);
    var send = make('button', 'send', 'Send', 'live-help-send'); send.type = 'submit';
    var cancel = make('button', 'cancel', 'Cancel', 'live-help-cancel'); cancel.type = 'button';
    var row = make('div', 'row'); row.append(send, cancel);
    var status = make('p', 'status', '', 'live-help-status'); status.setAttribute('role', 'status');
    form.append(fields, row, status);
    var open = make('button', 'open', script.getAttribute('data-cobrowse-live-help-label') || 'Get live help', 'live-help');
    function show(asking) { form.style.display = asking ? '' : 'none'; open.style.display = asking ? 'none' : ''; }
    open.addEventListener('click', function () { show(true); name.focus(); });
    cancel.addEventListener('click', function () { show(false); });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      send.disabled = true;
      status.textContent = 'Sending\u2026';
      var body = JSON.stringify({ name: name.value, email: email.value, topic: topic.value, page: location.origin + location.pathname });
      fetch(ENGINE + '/live-help', { method: 'POST', mode: 'cors', credentials: 'omit', headers: { 'Content-Type': 'text/plain' }, body: body })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, said: j }; }); })
        .then(function (a) {
          if (!a.ok) { status.textContent = a.said.error || 'That did not work; please try again.'; send.disabled = false; return; }
          status.textContent = a.said.message + ' (request ' + a.said.ticket + ')';
          fields.style.display = 'none'; send.style.display = 'none'; cancel.textContent = 'Close';
        }, function () {
          status.textContent = 'Help cannot be reached just now; please try again in a minute.';
          send.disabled = false;
        });
    });
    show(false);
    root.append(open, form);
    document.documentElement.appendChild(box.host);
  }

  // A host of the SDK's own with a closed shadow root and its styles: the page's scripts and CSS cannot reach in.
  function shadowHost(tag, place, css) {
    var host = document.createElement(tag);
    host.style.setProperty('all', 'initial');
    host.style.setProperty('position', 'fixed');
    for (var k in place) host.style.setProperty(k, place[k]);
    var root = host.attachShadow({ mode: 'closed' });
    try { var sheet = new CSSStyleSheet(); sheet.replaceSync(css); root.adoptedStyleSheets = [sheet]; } catch (e) {}
    return { host: host, root: root };
  }

  // ---- masking at the source ----
  // What is private comes from the engine (/cobrowse-rules.json, the file its
  // own redactor reads): nothing is captured or sent before it is here.
  var BULLET = P.BULLET, bullets = P.bullets, privacy = null;
  function maskText(s) { return privacy.maskText(s); }
  function sensitiveReason(el) { return privacy.sensitiveReason(el); }
  function blocked(el) { return privacy.blocked(el); }
  function markedMask(el) { return privacy.markedMask(el); }
  function revealed(el) { return privacy.revealed(el); }
  function hideUnless(shown, text) { return privacy.hideUnless(shown, text); }

  // ---- capture ----
  // ids: element -> stable id (n12); elements: the reverse, id -> WeakRef, so a
  // mark or an action can find its element again without keeping it alive
  // (entries whose element was collected or left the page are dropped on lookup
  // and every minute). runs: the text runs of the latest capture (n12t3,
  // n12t3.1) -> their text node and line, rebuilt on every capture.
  var ids = new WeakMap(), nextId = 1, elements = new Map(), runs = new Map(), nextRuns = null;
  function weak(x) { return typeof WeakRef === 'function' ? new WeakRef(x) : { deref: function () { return x; } }; }
  function idOf(el, suffix) {
    var id = ids.get(el);
    if (!id) { id = 'n' + (nextId++); ids.set(el, id); }
    if (!elements.has(id)) elements.set(id, weak(el));
    return suffix ? id + suffix : id;
  }
  // The element a scene node id belongs to (text runs and labels belong to their element), or null.
  function elementOf(nodeId) {
    var m = /^(n\d+)(?:[tl]|$)/.exec(String(nodeId || ''));
    if (!m) return null;
    var ref = elements.get(m[1]), e = ref && ref.deref();
    if (!e || !e.isConnected) { if (ref && !e) elements.delete(m[1]); return null; }
    return e;
  }
  function pruneElements() {
    elements.forEach(function (ref, id) { var e = ref.deref(); if (!e || !e.isConnected) elements.delete(id); });
  }
  setInterval(pruneElements, 60000);
  function hex(c) {
    var m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(c || '');
    if (!m) return null;
    if (m[4] !== undefined && parseFloat(m[4]) < 0.1) return null;
    return '#' + [m[1], m[2], m[3]].map(function (v) { var h = (+v).toString(16); return h.length < 2 ? '0' + h : h; }).join('');
  }
  function rectOf(r) { return { x: Math.round(r.left), y: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) }; }
  function onScreen(r, vw, vh) { return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh; }
  function labelFor(el, shown) { return hideUnless(shown, maskText(privacy.rawLabel(el))).slice(0, 200); }
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
  // The pixels of a canvas or a video the tenant reveals, as they are now (a cross-origin source taints: none).
  function drawnPixels(el) {
    var nw = el.tagName === 'VIDEO' ? el.videoWidth : el.width, nh = el.tagName === 'VIDEO' ? el.videoHeight : el.height;
    if (!nw || !nh) return null;
    var s = Math.min(1, IMG_MAX / Math.max(nw, nh));
    var w = Math.max(1, Math.round(nw * s)), h = Math.max(1, Math.round(nh * s));
    try {
      canvas.width = w; canvas.height = h;
      var ctx = canvas.getContext('2d');
      ctx.clearRect(0, 0, w, h);
      ctx.drawImage(el, 0, 0, w, h);
      return rgbBlock(ctx.getImageData(0, 0, w, h), w, h);
    } catch (e) { return null; }
  }
  function styleOf(el) { return (el.ownerDocument.defaultView || window).getComputedStyle(el); }
  // A number split over inline elements (4111 1111 <b>1111 1111</b>) reads whole on the screen, so it is masked
  // whole: the text nodes of one block's inline flow are masked together before their runs are cut (this capture's
  // text node -> its masked text, same length). Hidden elements do not break the flow; boxes that replace their
  // content (fields, images, frames, masked and blocked parts) do.
  var INLINE_FLOW = /^(inline|inline-block|contents)$/, REPLACED = /^(INPUT|TEXTAREA|SELECT|IMG|VIDEO|CANVAS|SVG|svg|IFRAME|EMBED|OBJECT)$/;
  var flowText = null;
  function maskFlow(block) {
    var group = [], groups = [group];
    (function walk(parent) {
      var kids = renderedChildren(parent);
      for (var i = 0; i < kids.length; i++) {
        var c = kids[i];
        if (c.nodeType === 3) { group.push(c); continue; }
        if (c.nodeType !== 1 || c === host) continue;
        var d = styleOf(c).display;
        if (d === 'none') continue;
        if (INLINE_FLOW.test(d) && !REPLACED.test(c.tagName) && !blocked(c) && !markedMask(c)) walk(c);
        else { group = []; groups.push(group); }
      }
    })(block);
    groups.forEach(function (g) {
      if (g.length < 2) return;
      var masked = privacy.maskRuns(g.map(function (t) { return t.nodeValue || ''; }));
      g.forEach(function (t, i) { flowText.set(t, masked[i]); });
    });
  }
  function textRuns(textNode, parentId, z, fg, nodes, vw, vh, shown) {
    var raw = textNode.nodeValue;
    if (!raw || !/\S/.test(raw)) return;
    var safe = (flowText && flowText.get(textNode)) || maskText(raw);
    var range = textNode.ownerDocument.createRange();
    range.selectNodeContents(textNode);
    var rects = range.getClientRects();
    if (!rects.length) return;
    var idx = nodes.length;
    if (rects.length === 1) {
      if (onScreen(rects[0], vw, vh)) {
        if (nextRuns) nextRuns.set(parentId + 't' + idx, { node: weak(textNode), line: -1 });
        nodes.push({ id: parentId + 't' + idx, kind: 'text', rect: rectOf(rects[0]), z: z, foreground: fg,
                     text: hideUnless(shown, maskText(safe.replace(/\s+/g, ' ').trim())).slice(0, 10000) });
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
        line.words.push(safe.substr(m.index, m[0].length)); line.right = Math.max(line.right, r.right); line.bottom = Math.max(line.bottom, r.bottom);
      } else {
        line = { top: r.top, left: r.left, right: r.right, bottom: r.bottom, words: [safe.substr(m.index, m[0].length)] };
        lines.push(line);
      }
    }
    for (var i = 0; i < lines.length; i++) {
      var L = lines[i];
      var lr = { left: L.left, top: L.top, right: L.right, bottom: L.bottom, width: L.right - L.left, height: L.bottom - L.top };
      if (!onScreen(lr, vw, vh)) continue;
      if (nextRuns) nextRuns.set(parentId + 't' + idx + '.' + i, { node: weak(textNode), line: i });
      nodes.push({ id: parentId + 't' + idx + '.' + i, kind: 'text', rect: rectOf(lr), z: z, foreground: fg,
                   text: hideUnless(shown, maskText(L.words.join(' '))).slice(0, 10000) });
    }
  }
  function visit(el, depth, nodes, vw, vh, shown) {
    if (el === host || nodes.length > 15000) return;
    if (blocked(el)) {
      var br = el.getBoundingClientRect();
      if (hiddenAreas && onScreen(br, vw, vh)) hiddenAreas.push({ rect: rectOf(br), why: 'not shared at all' });
      return;
    }
    shown = shown || revealed(el);
    var cs = styleOf(el);
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
        nodes.push({ id: id + 'l', kind: 'text', rect: rectOf(r), z: z + 1, foreground: hex(cs.color), text: hideUnless(shown, maskText(el.value || type)) });
        return;
      }
      var value;
      if (type === 'checkbox' || type === 'radio') value = el.checked ? '[x]' : '[ ]';
      else {
        value = tag === 'SELECT' ? (el.selectedOptions[0] ? el.selectedOptions[0].text : '') : el.value;
        value = revealed(el) ? privacy.revealedValue(el, value) : (value ? BULLET.repeat(Math.min(value.length, 12)) : '');
      }
      nodes.push({ id: id, kind: 'field', rect: rectOf(r), z: z, background: hex(cs.backgroundColor), foreground: hex(cs.color),
                   border: hex(cs.borderTopColor), label: labelFor(el, shown), fieldType: type, text: value.slice(0, 10000) });
      return;
    }
    if (tag === 'IMG' || tag === 'VIDEO' || tag === 'CANVAS' || tag === 'SVG' || tag === 'svg') {
      if (!visible) return;
      // What a canvas or a video draws can be anything (a card photographed, a chart of the account): a box unless revealed.
      var px = tag === 'IMG' ? pixelsOf(el) : (tag === 'CANVAS' || tag === 'VIDEO') && shown ? drawnPixels(el) : null;
      if (px) { nodes.push({ id: id, kind: 'image', rect: rectOf(r), z: z, pixels: px }); return; }
      nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: '#d8dce3', border: '#9aa1ad',
                   label: tag === 'VIDEO' ? 'video' : tag === 'CANVAS' ? 'canvas' : 'image' });
      var alt = tag === 'IMG' ? (el.alt || 'image') : tag.toLowerCase();
      nodes.push({ id: id + 'l', kind: 'text', rect: rectOf(r), z: z + 1, foreground: '#3a4050', text: '[' + hideUnless(shown, maskText(alt)).slice(0, 80) + ']' });
      return;
    }
    if (tag === 'IFRAME' || tag === 'EMBED' || tag === 'OBJECT') {
      if (!visible) return;
      var inner = tag === 'IFRAME' ? sameOriginDocument(el) : null;
      if (inner) return visitFrame(el, inner, r, id, z, depth, nodes, vw, vh, shown);
      // Another site's page cannot be read (nor should it be): the agent sees whose it is.
      var what = 'embedded content';
      try { var from = tag === 'IFRAME' && el.src ? new URL(el.src, location.href).host : ''; if (from) what = 'embedded content from ' + from; } catch (e) {}
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
    if (!INLINE_FLOW.test(cs.display)) maskFlow(el);
    var kids = renderedChildren(el);
    for (var i = 0; i < kids.length; i++) {
      var c = kids[i];
      if (c.nodeType === 1) visit(c, depth + 1, nodes, vw, vh, shown);
      else if (c.nodeType === 3 && !hidden) textRuns(c, id, z + 1, fg, nodes, vw, vh, shown);
    }
  }
  // What the page shows inside an element: an open shadow root's content (with the light children its
  // slots take), else the children. Closed roots stay closed (the SDK's own among them).
  function renderedChildren(el) {
    if (el.shadowRoot) return el.shadowRoot.childNodes;
    if (el.tagName === 'SLOT' && el.assignedNodes) {
      var assigned = el.assignedNodes();
      if (assigned.length) return assigned;
    }
    return el.childNodes;
  }
  function sameOriginDocument(frame) {
    try { var d = frame.contentDocument; return d && d.body ? d : null; } catch (e) { return null; }
  }
  // A same-origin frame is part of the page: captured with the same rules, its nodes moved to where the
  // frame sits and cut to its box (what scrolled out of the frame is not on the screen).
  function visitFrame(frame, doc, r, id, z, depth, nodes, vw, vh, shown) {
    watchFrame(doc);
    var cs = styleOf(frame);
    var ox = r.left + frame.clientLeft + (parseFloat(cs.paddingLeft) || 0), oy = r.top + frame.clientTop + (parseFloat(cs.paddingTop) || 0);
    var iw = doc.documentElement.clientWidth || frame.clientWidth, ih = doc.documentElement.clientHeight || frame.clientHeight;
    var clip = { left: Math.max(ox, 0), top: Math.max(oy, 0), right: Math.min(ox + iw, vw), bottom: Math.min(oy + ih, vh) };
    var inside = styleOf(doc.body);
    nodes.push({ id: id, kind: 'box', rect: rectOf(r), z: z, background: hex(inside.backgroundColor) || hex(styleOf(doc.documentElement).backgroundColor) || '#ffffff',
                 border: (parseFloat(cs.borderTopWidth) || 0) > 0 ? hex(cs.borderTopColor) : null });
    var from = nodes.length, hiddenFrom = hiddenAreas ? hiddenAreas.length : 0;
    visit(doc.body, depth + 1, nodes, iw, ih, shown);
    var inner = nodes.splice(from);
    inner.forEach(function (n) {
      var c = moved(n.rect, ox, oy, clip);
      if (c) { n.rect = c; nodes.push(n); }
    });
    if (hiddenAreas) for (var i = hiddenFrom; i < hiddenAreas.length; i++) hiddenAreas[i].rect = moved(hiddenAreas[i].rect, ox, oy, clip) || { x: 0, y: 0, width: 0, height: 0 };
  }
  function moved(rect, ox, oy, clip) {
    var x0 = Math.max(rect.x + ox, clip.left), y0 = Math.max(rect.y + oy, clip.top);
    var x1 = Math.min(rect.x + rect.width + ox, clip.right), y1 = Math.min(rect.y + rect.height + oy, clip.bottom);
    if (x1 <= x0 || y1 <= y0) return null;
    return { x: Math.round(x0), y: Math.round(y0), width: Math.round(x1 - x0), height: Math.round(y1 - y0) };
  }
  // A frame's document changes without the page's observer seeing it: it gets its own, once per document.
  var watchedFrames = new WeakSet();
  function watchFrame(doc) {
    if (watchedFrames.has(doc)) return;
    watchedFrames.add(doc);
    new MutationObserver(markDirty).observe(doc.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    doc.addEventListener('scroll', markDirty, { passive: true, capture: true });
    doc.addEventListener('input', markDirty, true);
    doc.addEventListener('change', markDirty, true);
  }
  // Where a box of a same-origin frame's element is on the top page's screen.
  function onTopPage(box, doc) {
    var x = box.left, y = box.top;
    for (var w = doc.defaultView; w && w !== window && w.frameElement; w = w.parent) {
      var f = w.frameElement, fr = f.getBoundingClientRect();
      x += fr.left + f.clientLeft; y += fr.top + f.clientTop;
    }
    return { left: x, top: y, width: box.width, height: box.height };
  }
  function clean(n) { for (var k in n) if (n[k] === null || n[k] === undefined) delete n[k]; return n; }
  function pageURL() { return (location.origin + location.pathname).slice(0, 2048); }
  // What the latest capture kept from the agent (masked and blocked areas), for "What can the agent see?".
  var hiddenAreas = null, lastHidden = [];
  function captureScene() {
    var vw = document.documentElement.clientWidth || innerWidth, vh = document.documentElement.clientHeight || innerHeight;
    var nodes = [];
    nextRuns = new Map(); flowText = new Map();
    hiddenAreas = [];
    var rootBg = hex(getComputedStyle(document.body || document.documentElement).backgroundColor) ||
                 hex(getComputedStyle(document.documentElement).backgroundColor) || '#ffffff';
    nodes.push({ id: 'root', kind: 'box', rect: { x: 0, y: 0, width: vw, height: vh }, z: 0, background: rootBg });
    if (document.body) visit(document.body, 1, nodes, vw, vh, false);
    runs = nextRuns; nextRuns = null; flowText = null;
    nodes.forEach(function (n) { if (n.kind === 'mask') hiddenAreas.push({ rect: n.rect, why: 'hidden: ' + (n.label || 'private') }); });
    lastHidden = hiddenAreas; hiddenAreas = null;
    return { viewport: { width: vw, height: vh }, scroll: { x: Math.round(scrollX), y: Math.round(scrollY) },
             url: pageURL(), title: maskText(document.title || '').slice(0, 500), nodes: nodes.map(clean) };
  }

  // ---- sending: full scenes and coalesced deltas ----
  var link = null, connected = false, consented = false, ended = false;
  var version = 0, sent = null, lastFull = 0, timer = null, dirty = false, pointer = null, pointerDirty = false;
  var lastSendAt = 0, agentName = 'your agent';
  // 'presenter': this is the agent's own tab showing a page to the customer (mirror mode);
  // remembered across the shown site's pages so a refused key ends quietly there too.
  var ROLE_KEY = 'cobrowse.role', role = 'customer', stopping = false;
  try { if (sessionStorage.getItem(ROLE_KEY) === 'presenter') role = 'presenter'; } catch (e) {}
  var MIRROR_KEY = 'cobrowse.mirrorOffer';
  function send(type, body) { return link ? link.send(type, body) : false; }
  function sendFull() {
    if (!connected || !consented) return;
    if (screen) return screenFull();
    var s = captureScene();
    version += 1;
    var scene = { version: version, source: 'page', viewport: s.viewport, scroll: s.scroll, url: s.url, title: s.title, nodes: s.nodes };
    if (pointer) scene.pointer = pointer;
    if (!send('scene', scene)) return;
    sent = P.sentState(s);
    lastFull = Date.now(); lastSendAt = lastFull; dirty = false; pointerDirty = false;
  }
  function sendDelta() {
    if (screen) return;
    if (!sent) return sendFull();
    var s = dirty ? captureScene() : null, changes = s ? P.sceneChanges(sent, s) : null;
    if (changes && changes.full) return sendFull();
    var d = changes ? changes.delta : { upserts: [], removed: [] };
    d.baseVersion = version; d.version = version + 1;
    if (pointerDirty && pointer) d.pointer = pointer;
    if (!d.upserts.length && !d.removed.length && !d.viewport && !d.scroll && !d.url && !d.title && !d.pointer) { dirty = false; pointerDirty = false; return; }
    if (!send('scene-delta', d)) return;
    version += 1;
    if (s) sent = P.sentState(s, changes.byId);
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
      if (!P.same(f.viewport, screen.viewport) || f.tiles.length !== screen.tiles.size) return screenFull();
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
      if (!text || ended || role === 'presenter') return;   // the agent's own tab reports nothing
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
    if (ended || link) return;
    link = connection.open({ url: WS_URL, hello: { protocolVersion: 1, client: 'cobrowse.js', resumeKey: resumeKey }, onFrame: heard, onClose: lost });
  }
  function lost() {
    var was = connected;
    connected = false;
    if (ended) return false;
    // The agent pressed Stop showing: the engine closes the tab's connection; no reconnecting.
    if (role === 'presenter' && stopping) { finish('You stopped showing this page.'); return false; }
    overlay.quality(was ? 'Reconnecting' : 'Connecting');
  }
  function heard(f) {
    var b = f.body;
    switch (f.type) {
      case 'welcome':
        connected = true; link.welcomed();
        consented = !!b.consentGiven;
        agentName = b.agentName || agentName;
        role = b.role === 'presenter' ? 'presenter' : 'customer';
        try { if (role === 'presenter') sessionStorage.setItem(ROLE_KEY, role); else sessionStorage.removeItem(ROLE_KEY); } catch (e) {}
        if (role === 'presenter') { peQueue = []; overlay.presenter(); sendFull(); break; }
        overlay.show(agentName, consented);
        if (consented) { sendFull(); flushPageEvents(); }
        offerMirror(null);
        break;
      case 'presenting':
        // The agent shows the customer a page: the customer may open it (a one-time link) in a new tab.
        // The agent's own tab hears it only when the showing stops.
        if (role === 'presenter') { if (b.active === false) finish('You stopped showing this page.'); break; }
        offerMirror(b);
        break;
      case 'ping': send('pong', { seq: b.seq }); break;
      case 'request-scene': sendFull(); break;
      case 'quality': overlay.quality(b.quality); break;
      case 'notice': overlay.notice(String(b.text || '')); break;
      case 'mode-request':
        overlay.ask(modeQuestion(b.mode), function (ok) {
          send('mode-answer', { mode: b.mode, accept: ok });
          if (ok) setMode(b.mode);
        });
        break;
      case 'annotations': setMarks(Array.isArray(b.items) ? b.items : [], agentPointer); break;
      case 'agent-pointer': setMarks(marks, b.at ? { at: b.at, author: String(b.author || agentName) } : null); break;
      case 'action-request': askAction(b); break;
      case 'perform-action': performAction(b); break;
      case 'screenshot-request':
        overlay.ask(agentLabel(agentName) + ' asks to save a screenshot of this page with the session (hidden fields stay hidden). Allow?',
                    function (ok) { send('screenshot-answer', { allow: ok }); });
        break;
      case 'participants': participants = Array.isArray(b.items) ? b.items : []; overlay.participants(participants); break;
      case 'extension-request': overlay.ask('Your agent asks to continue the session ' + (b.minutes | 0) + ' more minutes.', function (ok) { send('extension-answer', { accept: ok }); }); break;
      case 'quality-check':
        overlay.ask('Is the screen quality okay for you?', function (ok) { send('quality-answer', { ok: ok }); }, 'Yes', 'No');
        break;
      case 'specialist-joining':
        // The session changed hands: the new agent starts from view only and asks again; the customer says OK.
        agentName = String(b.name || agentName);
        setMode(String(b.mode || 'view-only'));
        setMarks([], null);
        overlay.show(agentName, true);
        overlay.tell(String(b.text || (agentName + ' is joining to help.')), function () { send('specialist-ack', {}); });
        break;
      case 'session-ended':
        // The engine keeps the connection open for the survey only when it offers one.
        if ((b.surveySeconds | 0) > 0) startSurvey(b.surveySeconds | 0);
        else finish('The session has ended. Nothing more is shared.');
        break;
      case 'error':
        // The agent's tab whose key the engine no longer knows: the showing was stopped.
        if (!connected && role === 'presenter') { finish('This page is no longer shown to the customer.'); break; }
        if (!connected || /link-used|link-expired|not-found|not-allowed|bad-state/.test(b.code || '') && !consented) {
          finish(String(b.message || 'This co-browse session is not available.'));
        }
        break;
    }
  }
  function modeQuestion(mode) {
    var names = { 'view-only': 'go back to view only', 'guided': 'guide you with pointers on your page',
                  'controlled': 'click and type on this page, each action approved by you', 'full-control': 'take full control of this page' };
    return 'Your agent asks to ' + (names[mode] || mode) + '. Allow?';
  }
  function clearControl() {
    marks = []; agentPointer = null;
    pendingActions.forEach(function (p) { p.cancel(); }); pendingActions.clear();
    try { sessionStorage.removeItem(MODE_KEY); } catch (e) {}
  }
  function finish(text) {
    stopScreen(true);
    clearControl();
    ended = true; connected = false;
    try { sessionStorage.removeItem(KEY); sessionStorage.removeItem(ROLE_KEY); sessionStorage.removeItem(MIRROR_KEY); } catch (e) {}
    if (link) link.stop();
    overlay.end(text);
  }
  // A fresh capture first, so the outlines match the page as it is now.
  function showHidden() {
    captureScene();
    overlay.hidden(lastHidden, privacy.config.privateByDefault);
  }
  function stopSharing() {
    if (role === 'presenter') return stopShowing();
    // Nothing more is captured from here on; the engine answers with session-ended (and the survey).
    stopScreen(true);
    consented = false;
    if (!send('leave', {})) return finish('You stopped sharing. The agent no longer sees this page.');
    overlay.notice('You stopped sharing. The agent no longer sees this page.', true);
    setTimeout(function () { if (!ended) finish('You stopped sharing. The agent no longer sees this page.'); }, 5000);
  }
  // The agent's tab: Stop showing ends mirror mode (the engine tells everyone and closes this connection).
  function stopShowing() {
    stopping = true; consented = false;
    if (!send('leave', {})) return finish('You stopped showing this page.');
    setTimeout(function () { if (!ended) finish('You stopped showing this page.'); }, 5000);
  }
  // The customer's side of mirror mode: an offer with Open (the link works once, so it is kept
  // across this site's pages until it is opened or the showing stops), or the notice that it stopped.
  function offerMirror(b) {
    var o = null;
    if (b) {
      if (b.active && b.mirrorLink) o = { by: String(b.by || agentName), link: String(b.mirrorLink) };
      else if (b.active === false) {
        try { sessionStorage.removeItem(MIRROR_KEY); } catch (e) {}
        overlay.mirror(null);
        overlay.notice(String(b.by || agentName) + ' stopped showing the page.', true);
        return;
      } else return;
    } else {
      try { o = JSON.parse(sessionStorage.getItem(MIRROR_KEY) || 'null'); } catch (e) { o = null; }
      if (!o || typeof o.link !== 'string' || typeof o.by !== 'string') return;
    }
    try { sessionStorage.setItem(MIRROR_KEY, JSON.stringify(o)); } catch (e) {}
    overlay.mirror(o, function () {
      try { sessionStorage.removeItem(MIRROR_KEY); } catch (e) {}
      // Only a viewer page opens, in a tab of its own that cannot reach this one.
      var u; try { u = new URL(o.link); } catch (e) { return; }
      if (!/^https?:$/.test(u.protocol) || u.pathname.indexOf('/view/') !== 0) return;
      window.open(u.href, '_blank', 'noopener');
    });
  }
  function startSurvey(seconds) {
    stopScreen(true);
    clearControl();
    ended = true; consented = false;
    try { sessionStorage.removeItem(KEY); } catch (e) {}
    var closed = false;
    function close(text) {
      if (closed) return;
      closed = true;
      if (link) link.stop();
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

  // ---- control: the mode the customer accepted, and stepping down ----
  // The engine decides the mode; the SDK only knows what the customer accepted
  // (kept in sessionStorage across the site's pages) and offers "View only"
  // whenever it is above that, so the customer can always step down.
  var MODE_KEY = 'cobrowse.mode', mode = 'view-only', participants = [];
  try { mode = sessionStorage.getItem(MODE_KEY) || 'view-only'; } catch (e) {}
  function setMode(m) {
    mode = m;
    try { sessionStorage.setItem(MODE_KEY, m); } catch (e) {}
    if (m === 'view-only') { pendingActions.forEach(function (p) { p.cancel(); }); pendingActions.clear(); }
    overlay.mode(m);
  }
  function stepDown() {
    send('mode-answer', { mode: 'view-only', accept: true });
    setMode('view-only');
    setMarks([], null);
    overlay.notice('You switched back to view only. The agent can only watch.', true);
  }
  function agentLabel(name) { return 'Agent ' + name; }
  // Who acts right now: the participant holding control (a viewer it was handed to), else the agent.
  function actorName() {
    for (var i = 0; i < participants.length; i++) {
      var p = participants[i];
      if (p && p.controller) return p.kind === 'agent' ? agentLabel(String(p.name)) : String(p.name);
    }
    return agentLabel(agentName);
  }

  // ---- the agent's marks: annotations and pointer, anchored on elements ----
  // An anchor {nodeId?, fx?, fy?, pageX, pageY} resolves to the element's current
  // box (a text run to its own line box) at fractions fx, fy, else to the page
  // coordinates minus the current scroll. Marks are redrawn on every animation
  // frame while there are any (a few getBoundingClientRect calls), so they follow
  // scrolling, resizing and reflow; nothing is ever sent upstream for them.
  var marks = [], agentPointer = null, markFrame = 0;
  function runRect(id) {
    var run = runs.get(id), t = run && run.node.deref();
    if (!t || !t.isConnected) return null;
    var range = t.ownerDocument.createRange();
    range.selectNodeContents(t);
    if (run.line < 0) return onTopPage(range.getBoundingClientRect(), t.ownerDocument);
    var rs = range.getClientRects(), box = rs[Math.min(run.line, rs.length - 1)];
    return box ? onTopPage(box, t.ownerDocument) : null;
  }
  function nodeRect(id) {
    if (/^n\d+t/.test(id)) return runRect(id);
    var e = elementOf(id);
    return e ? onTopPage(e.getBoundingClientRect(), e.ownerDocument) : null;
  }
  function anchorPoint(a) {
    if (!a || typeof a !== 'object') return null;
    var r = a.nodeId ? nodeRect(String(a.nodeId)) : null;
    if (r && (r.width > 0 || r.height > 0)) {
      var fx = typeof a.fx === 'number' ? a.fx : 0.5, fy = typeof a.fy === 'number' ? a.fy : 0.5;
      return { x: r.left + fx * r.width, y: r.top + fy * r.height };
    }
    if (typeof a.pageX !== 'number' || typeof a.pageY !== 'number') return null;
    return { x: a.pageX - scrollX, y: a.pageY - scrollY };
  }
  function setMarks(items, pointer) {
    marks = items; agentPointer = pointer;
    overlay.marks(marks, agentPointer);
    placeMarks();
  }
  function placeMarks() {
    if (markFrame) { cancelAnimationFrame(markFrame); markFrame = 0; }
    overlay.place(anchorPoint);
    if (marks.length || agentPointer) markFrame = requestAnimationFrame(placeMarks);
  }
  addEventListener('scroll', function () { if (marks.length || agentPointer) placeMarks(); }, { passive: true, capture: true });
  addEventListener('resize', function () { if (marks.length || agentPointer) placeMarks(); }, { passive: true });

  // ---- actions: each one previewed and allowed by the customer (Controlled) ----
  var pendingActions = new Map();   // action id -> prompt
  function askAction(b) {
    var a = b.action || {}, id = String(a.id || '');
    if (!id || ended) return;
    // The engine keeps one action waiting at a time: a new request means any older prompt is settled (expired or withdrawn).
    pendingActions.forEach(function (p) { p.cancel(); });
    pendingActions.clear();
    var seconds = Math.max(1, Math.min(300, (b.timeoutSeconds | 0) || 15));
    var preview = String(b.preview || (agentLabel(b.agentName || agentName) + ' wants to ' + a.kind + ' on this page'));
    // No answer in time is the engine's deny; the prompt just goes away.
    pendingActions.set(id, overlay.askAction(id, preview, seconds, function (allow) {
      pendingActions.delete(id);
      if (allow === null) return;
      send('action-answer', { id: id, allow: allow });
    }));
  }
  // Why the SDK will not act on this element (the engine refuses these first; this is the second lock).
  var REFUSALS = { 'not shared at all': 'it is not shared with the agent', 'marked private': 'it is marked private',
                   'password': 'it is a password field', 'payment field': 'it is a payment field' };
  function refusal(e) {
    var t = privacy.treatment(e);
    return t.kind === 'blocked' || t.kind === 'masked' ? REFUSALS[t.why] : null;
  }
  function describe(e) {
    var t = '';
    if (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA' || e.tagName === 'SELECT') {
      var type = (e.getAttribute('type') || '').toLowerCase();
      t = (type === 'submit' || type === 'button') ? e.value : labelFor(e, true);
    }
    t = t || e.getAttribute('aria-label') || e.textContent || e.getAttribute('title') || e.getAttribute('alt') || e.tagName.toLowerCase();
    t = hideUnless(privacy.shownAt(e), maskText(String(t).replace(/\s+/g, ' ').trim()));
    return t.length > 60 ? t.slice(0, 59) + '\u2026' : t;
  }
  function scrollable(e) {
    for (var x = e; x && x !== document.body && x !== document.documentElement; x = x.parentElement) {
      var cs = getComputedStyle(x);
      if ((/(auto|scroll|overlay)/.test(cs.overflowY) && x.scrollHeight > x.clientHeight) ||
          (/(auto|scroll|overlay)/.test(cs.overflowX) && x.scrollWidth > x.clientWidth)) return x;
    }
    return null;
  }
  function mouse(e, type, r) {
    var init = { bubbles: true, cancelable: true, composed: true, view: window, button: 0, buttons: type === 'mousedown' || type === 'pointerdown' ? 1 : 0,
                 clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
    if (/^pointer/.test(type) && typeof PointerEvent === 'function') {
      init.pointerId = 1; init.pointerType = 'mouse'; init.isPrimary = true;
      return e.dispatchEvent(new PointerEvent(type, init));
    }
    return e.dispatchEvent(new MouseEvent(type, init));
  }
  var VALUE_SETTERS = { INPUT: 'HTMLInputElement', TEXTAREA: 'HTMLTextAreaElement', SELECT: 'HTMLSelectElement' };
  var NOT_TYPED = /^(checkbox|radio|file|submit|button|reset|image|range|color|hidden)$/;
  function act(a) {
    var e = null;
    if (a.target) {
      e = elementOf(a.target);
      if (!e) return { ok: false, detail: 'The element is no longer on the page.' };
      var why = refusal(e);
      if (why) return { ok: false, detail: 'Refused: ' + why + '; the agent cannot act on it.', what: describe(e) };
    }
    if (a.kind === 'click') {
      if (!e) return { ok: false, detail: 'A click needs an element.' };
      if (e.disabled) return { ok: false, detail: 'The element is disabled.', what: describe(e) };
      var r = e.getBoundingClientRect();
      if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
        e.scrollIntoView({ block: 'center', inline: 'nearest' }); r = e.getBoundingClientRect();
      }
      // The sequence frameworks listen for, then the element's own activation.
      mouse(e, 'pointerdown', r); mouse(e, 'mousedown', r);
      if (typeof e.focus === 'function') e.focus({ preventScroll: true });
      mouse(e, 'pointerup', r); mouse(e, 'mouseup', r);
      e.click();
      return { ok: true, text: 'clicked ' + describe(e) };
    }
    if (a.kind === 'type') {
      var setter = e && VALUE_SETTERS[e.tagName];
      if (!setter) return { ok: false, detail: 'That element does not take typing.', what: e ? describe(e) : '' };
      var type = (e.getAttribute('type') || '').toLowerCase();
      if (e.tagName === 'INPUT' && NOT_TYPED.test(type)) return { ok: false, detail: 'That field does not take typing.', what: describe(e) };
      if (e.disabled || e.readOnly) return { ok: false, detail: 'The field is read-only.', what: describe(e) };
      var text = String(a.text == null ? '' : a.text);
      if (e.tagName === 'SELECT') {
        var opt = Array.prototype.find.call(e.options, function (o) { return o.value === text || o.text.trim() === text.trim(); });
        if (!opt) return { ok: false, detail: 'No such choice in that list.', what: describe(e) };
        text = opt.value;
      }
      e.focus({ preventScroll: false });
      // The native setter, so frameworks that track the value (React and others) see the change.
      Object.getOwnPropertyDescriptor(window[setter].prototype, 'value').set.call(e, text);
      e.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
      return { ok: true, text: 'typed into ' + describe(e) };
    }
    if (a.kind === 'scroll') {
      var dx = Number(a.dx) || 0, dy = Number(a.dy) || 0;
      var box = e ? scrollable(e) : null;
      if (box) box.scrollBy(dx, dy); else window.scrollBy(dx, dy);
      return { ok: true, text: 'scrolled ' + (box ? describe(box) : 'the page') };
    }
    return { ok: false, detail: 'Unknown action.' };
  }
  function performAction(a) {
    if (!a || !a.id || ended || !consented) return;
    var id = String(a.id), r;
    if (pendingActions.has(id)) { pendingActions.get(id).cancel(); pendingActions.delete(id); }
    try { r = act(a); } catch (err) { r = { ok: false, detail: 'The page did not take the action.' }; }
    var body = { id: id, ok: !!r.ok };
    if (r.detail) body.detail = utf8Cut(r.detail, 500);
    send('action-result', body);
    // The customer always sees what happened on their page.
    if (r.ok) overlay.notice(actorName() + ' ' + r.text, true, 6000);
    else overlay.notice(actorName() + '\u2019s action was not done' + (r.what ? ' (' + r.what + ')' : '') + ': ' + r.detail, true, 8000);
  }

  // ---- overlay: a shadow root that never changes the page ----
  // Closed to page scripts. Every drawn mark carries data-mark-id (the
  // annotation's id, "pointer" for the agent's pointer) on the shape whose box is
  // the mark (the ellipse of a circle, the box of a rectangle or spotlight, the
  // ring of a cursor or pointer, the line of an arrow); the browser tests read
  // those boxes through the DevTools protocol, which pierces closed shadow roots,
  // so no test hook is exposed to the page.
  var host;
  var overlay = (function () {
    var css = ':host{all:initial}' +
      '.dock{position:fixed;right:12px;bottom:12px;display:flex;flex-direction:column;align-items:flex-end;gap:8px;max-width:calc(100vw - 24px);pointer-events:none}' +
      '.bar{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center;justify-content:flex-end;max-width:min(760px,calc(100vw - 24px));box-sizing:border-box;font:13px/1.3 system-ui,sans-serif;' +
      'background:#151b2b;color:#fff;border-radius:8px;padding:8px 10px;box-shadow:0 2px 10px rgba(0,0,0,.3);pointer-events:auto}' +
      '.stack{display:flex;flex-direction:column;align-items:flex-end;gap:8px;pointer-events:none}' +
      '.who{flex-basis:100%;text-align:right;color:#c9d1e0}.who:empty{display:none}.break{flex-basis:100%;height:0}' +
      '.dot{width:9px;height:9px;border-radius:50%;background:#3fb950}.q-Fair .dot{background:#d29922}.q-Poor .dot,.q-Reconnecting .dot{background:#f85149}' +
      'button{font:inherit;border:0;border-radius:6px;padding:5px 10px;cursor:pointer;pointer-events:auto}' +
      '.stop{background:#f85149;color:#fff}.ok{background:#3fb950;color:#fff}.no{background:#5a6270;color:#fff}.down{background:#2f6fed;color:#fff}' +
      '.panel{max-width:340px;font:14px/1.4 system-ui,sans-serif;background:#fff;color:#1d2330;' +
      'border:1px solid #ccd;border-radius:8px;padding:10px 12px;box-shadow:0 2px 10px rgba(0,0,0,.2);pointer-events:auto}' +
      '.panel p{margin:0 0 8px}.row{display:flex;gap:8px}.muted{color:#5a6270;font-size:12px}' +
      '.star{background:#eef0f4;color:#9aa1ad;font-size:20px;padding:2px 8px}.star.on{color:#d29922}' +
      'textarea{display:block;width:100%;box-sizing:border-box;margin:8px 0;font:inherit;min-height:54px;pointer-events:auto}' +
      'button:disabled{opacity:.5;cursor:default}' +
      '.marks{position:fixed;left:0;top:0;width:100vw;height:100vh;overflow:visible;pointer-events:none}' +
      '.tag{position:fixed;left:0;top:0;font:600 13px/1.3 system-ui,sans-serif;background:#ff6a00;color:#fff;border-radius:4px;' +
      'padding:2px 7px;white-space:pre;max-width:320px;overflow:hidden;text-overflow:ellipsis;pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.3)}' +
      '.tag.name{background:#2f6fed}' +
      '.hiddenlayer{position:fixed;inset:0;pointer-events:none}' +
      '.hidden{position:fixed;box-sizing:border-box;border:3px dashed #f85149;background:rgba(248,81,73,.12);pointer-events:none}' +
      '.hiddentag{position:absolute;left:0;top:-20px;font:600 12px/1.3 system-ui,sans-serif;background:#f85149;color:#fff;border-radius:4px;padding:1px 6px;white-space:nowrap}';
    var made = shadowHost('cobrowse-overlay', { inset: '0', 'pointer-events': 'none', 'z-index': '2147483647' }, css), root = made.root;
    host = made.host;
    var SVG = 'http://www.w3.org/2000/svg', INK = '#ff6a00';
    var svg = document.createElementNS(SVG, 'svg'); svg.setAttribute('class', 'marks'); svg.setAttribute('aria-hidden', 'true');
    var tags = el('div', '');
    var dock = el('div', 'dock');
    var bar = el('div', 'bar'), who = el('span', 'who'), dot = el('span', 'dot'), label = el('span', ''), q = el('span', ''), clock = el('span', '');
    who.setAttribute('data-cb', 'participants');
    var stop = el('button', 'stop'); stop.textContent = 'Stop sharing'; stop.setAttribute('data-cb', 'stop'); stop.addEventListener('click', stopSharing);
    // Stepping down is always one press away while the agent may do more than watch.
    var down = el('button', 'down'); down.textContent = 'View only'; down.setAttribute('data-cb', 'view-only');
    down.title = 'Take back control: the agent can only watch';
    down.addEventListener('click', stepDown);
    // Screen mode is opt-in from here (desktop browsers only; mobile shares the page only).
    var share = el('button', 'no'); share.setAttribute('data-cb', 'share-screen');
    share.addEventListener('click', function () { if (screen) stopScreen(); else offerScreen(); });
    // Informed consent: the customer can see, on their own page, what the agent cannot.
    var seeing = el('button', 'no'); seeing.textContent = 'What can the agent see?'; seeing.setAttribute('data-cb', 'what-agent-sees');
    seeing.addEventListener('click', function () { showHidden(); });
    // The buttons keep a row of their own, so the bar (and the panels above it) never jump as the clock and quality change.
    var buttons = el('span', 'break');
    bar.append(who, dot, label, q, clock, buttons, share, seeing, down, stop);
    var panels = el('div', 'stack');
    dock.append(panels, bar);
    root.append(svg, tags, dock);
    var startedAt = Date.now(), sharingNow = false;
    function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }
    function sv(tag, attrs) { var e = document.createElementNS(SVG, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
    function pad(n) { return (n < 10 ? '0' : '') + n; }
    function attach() { if (!host.isConnected) document.documentElement.appendChild(host); }
    function panel(text, buttons) {
      var p = el('div', 'panel'), t = el('p', ''); t.textContent = text; p.append(t);
      if (buttons) { var row = el('div', 'row'); buttons.forEach(function (b) { row.append(b); }); p.append(row); }
      panels.append(p); attach(); return p;
    }
    function showDown() { down.style.display = sharingNow && mode !== 'view-only' ? '' : 'none'; }
    // "Agent Maria S. wants to click *Save settings*": the starred part in bold, all as text.
    function rich(p, text) {
      p.textContent = '';
      String(text).split('*').forEach(function (part, i) {
        if (!part) return;
        if (i % 2) { var b = el('b', ''); b.textContent = part; p.append(b); } else p.append(document.createTextNode(part));
      });
    }
    // ---- marks ----
    var drawn = [];   // [{item, parts}] in paint order; the pointer last
    function build(item, isPointer) {
      var g = sv('g', {}), parts = { g: g }, tool = isPointer ? 'pointer' : String(item.tool), id = isPointer ? 'pointer' : String(item.id);
      var stroke = { fill: 'none', stroke: INK, 'stroke-width': '3', 'stroke-linecap': 'round' };
      if (tool === 'cursor' || tool === 'pointer') {
        parts.main = sv('circle', { r: '16', fill: isPointer ? 'rgba(47,111,237,.18)' : 'rgba(255,106,0,.18)', stroke: isPointer ? '#2f6fed' : INK, 'stroke-width': '3' });
        parts.dot = sv('circle', { r: '3', fill: isPointer ? '#2f6fed' : INK });
        g.append(parts.main, parts.dot);
      } else if (tool === 'arrow') {
        parts.main = sv('line', stroke); parts.head = sv('polygon', { fill: INK });
        g.append(parts.main, parts.head);
      } else if (tool === 'circle') {
        parts.main = sv('ellipse', stroke); g.append(parts.main);
      } else if (tool === 'rectangle') {
        parts.main = sv('rect', Object.assign({ rx: '4' }, stroke)); g.append(parts.main);
      } else if (tool === 'spotlight') {
        parts.dim = sv('path', { fill: 'rgba(10,14,24,.55)', 'fill-rule': 'evenodd' });
        parts.main = sv('rect', { fill: 'none', stroke: '#ffffff', 'stroke-width': '2', rx: '4' });
        g.append(parts.dim, parts.main);
      } else if (tool === 'label') {
        parts.main = sv('circle', { r: '4', fill: INK }); g.append(parts.main);
      } else return null;
      parts.main.setAttribute('data-mark-id', id);
      g.setAttribute('data-tool', tool);
      if (tool === 'label' || isPointer) {
        parts.tag = el('div', isPointer ? 'tag name' : 'tag');
        parts.tag.textContent = String(isPointer ? item.author || agentName : item.text || '').slice(0, 200);
        parts.tag.setAttribute(isPointer ? 'data-pointer-name' : 'data-mark-id', isPointer ? 'pointer' : id);
        if (tool === 'label') parts.main.removeAttribute('data-mark-id');
        tags.append(parts.tag);
      }
      svg.append(g);
      return { item: item, tool: tool, parts: parts };
    }
    function hide(d, yes) { d.parts.g.style.display = yes ? 'none' : ''; if (d.parts.tag) d.parts.tag.style.display = yes ? 'none' : ''; }
    function box(a, b) { return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) }; }
    function set(e, attrs) { for (var k in attrs) { var v = String(Math.round(attrs[k] * 10) / 10); if (e.getAttribute(k) !== v) e.setAttribute(k, v); } }
    function placeOne(d, resolve) {
      var p = d.parts, a = resolve(d.item.at), b = d.item.to ? resolve(d.item.to) : null;
      if (!a || (d.tool !== 'cursor' && d.tool !== 'pointer' && d.tool !== 'label' && !b)) return hide(d, true);
      hide(d, false);
      if (p.tag) p.tag.style.transform = 'translate(' + Math.round(a.x + (d.tool === 'label' ? 8 : 20)) + 'px,' + Math.round(a.y - (d.tool === 'label' ? 10 : 30)) + 'px)';
      switch (d.tool) {
        case 'cursor': case 'pointer': case 'label':
          set(p.main, { cx: a.x, cy: a.y }); if (p.dot) set(p.dot, { cx: a.x, cy: a.y }); break;
        case 'arrow':
          set(p.main, { x1: a.x, y1: a.y, x2: b.x, y2: b.y });
          var ang = Math.atan2(b.y - a.y, b.x - a.x), L = 16, W = 0.45;
          var pts = [[b.x, b.y], [b.x - L * Math.cos(ang - W), b.y - L * Math.sin(ang - W)], [b.x - L * Math.cos(ang + W), b.y - L * Math.sin(ang + W)]];
          var s = pts.map(function (q) { return Math.round(q[0]) + ',' + Math.round(q[1]); }).join(' ');
          if (p.head.getAttribute('points') !== s) p.head.setAttribute('points', s);
          break;
        case 'circle':
          var c = box(a, b); set(p.main, { cx: c.x + c.w / 2, cy: c.y + c.h / 2, rx: Math.max(c.w / 2, 2), ry: Math.max(c.h / 2, 2) }); break;
        case 'rectangle':
          var r = box(a, b); set(p.main, { x: r.x, y: r.y, width: Math.max(r.w, 2), height: Math.max(r.h, 2) }); break;
        case 'spotlight':
          var k = box(a, b), W2 = innerWidth, H2 = innerHeight;
          set(p.main, { x: k.x, y: k.y, width: Math.max(k.w, 2), height: Math.max(k.h, 2) });
          var dpath = 'M0 0H' + W2 + 'V' + H2 + 'H0Z M' + Math.round(k.x) + ' ' + Math.round(k.y) + 'h' + Math.round(k.w) + 'v' + Math.round(k.h) + 'h' + (-Math.round(k.w)) + 'Z';
          if (p.dim.getAttribute('d') !== dpath) p.dim.setAttribute('d', dpath);
          break;
      }
    }
    var mirrorPanel = null;
    return {
      // The agent's own tab (mirror mode): no customer texts, only what this tab does and how to stop it.
      presenter: function () {
        sharingNow = false;
        label.textContent = 'You are showing this page to the customer';
        stop.textContent = 'Stop showing';
        who.textContent = ''; who.style.display = 'none';
        share.style.display = 'none'; down.style.display = 'none';
        attach();
      },
      // The customer's offer to watch the agent's page; offer null removes it.
      mirror: function (offer, open) {
        if (mirrorPanel) { mirrorPanel.remove(); mirrorPanel = null; }
        if (!offer) return;
        var go = el('button', 'ok'); go.textContent = 'Open'; go.setAttribute('data-cb', 'mirror-open');
        var p = mirrorPanel = panel(offer.by.slice(0, 80) + ' wants to show you a page', [go]);
        p.setAttribute('data-cb', 'mirror-offer');
        var note = el('p', 'muted'); note.textContent = 'It opens in a new tab; this page stays shared as before.'; p.insertBefore(note, p.lastChild);
        go.addEventListener('click', function () {
          open();
          p.firstChild.textContent = offer.by.slice(0, 80) + '\u2019s page is open in a new tab.';
          note.remove(); go.parentNode.remove();
        });
      },
      show: function (agent, sharing) {
        sharingNow = !!sharing;
        label.textContent = !sharing ? 'Waiting for your consent' : screen ? 'Sharing your screen with ' + agent :
          'Sharing this page with ' + agent + (MOBILE ? ' (mobile browsers share this page only, never the screen)' : '');
        share.textContent = screen ? 'Back to this page' : 'Share screen';
        share.style.display = sharing && (screen || canCapture()) ? '' : 'none';
        share.title = MOBILE ? 'Mobile browsers share this page only' : '';
        showDown();
        attach();
      },
      mode: function () { showDown(); },
      // "Watching: Maria S. (agent, in control), Sam K. (supervisor), Dana (viewer)"
      participants: function (items) {
        var kinds = { agent: 'agent', watcher: 'supervisor', viewer: 'viewer' };
        var list = items.filter(function (p) { return p && p.name; }).map(function (p) {
          var what = [kinds[p.kind] || 'watching'];
          if (p.controller) what.push('in control');
          return String(p.name).slice(0, 80) + ' (' + what.join(', ') + ')';
        });
        who.textContent = list.length ? 'Watching: ' + list.join(', ') : '';
      },
      quality: function (v) { q.textContent = '\u00b7 ' + v; bar.className = 'bar q-' + v; },
      tick: function () { var s = Math.floor((Date.now() - startedAt) / 1000); clock.textContent = '\u00b7 ' + pad(Math.floor(s / 60)) + ':' + pad(s % 60); },
      // Outlines over the areas the agent does not get, for a few seconds (pointer-events none: the page works on).
      hidden: function (areas, privateText) {
        var layer = el('div', 'hiddenlayer');
        areas.forEach(function (a) {
          var box = el('div', 'hidden'); box.setAttribute('data-cb', 'hidden-area');
          box.style.left = a.rect.x + 'px'; box.style.top = a.rect.y + 'px';
          box.style.width = a.rect.width + 'px'; box.style.height = a.rect.height + 'px';
          var tag = el('span', 'hiddentag'); tag.textContent = a.why; box.append(tag);
          layer.append(box);
        });
        root.append(layer); attach();
        var said = areas.length ? 'The outlined areas are hidden from ' + agentName + '.' : 'Nothing on this page is hidden from ' + agentName + ' beyond what you type.';
        overlay.notice(said + (privateText ? ' Text this site has not marked as shareable goes as dots too.' : '') +
                       ' Passwords, card fields and what you type are never shown.', true, 10000);
        setTimeout(function () { layer.remove(); }, 10000);
      },
      notice: function (text, own, ms) { var p = panel(own ? text : 'Your agent: ' + text); p.setAttribute('data-cb', 'notice'); setTimeout(function () { p.remove(); }, ms || 15000); },
      // A statement the customer only acknowledges: one OK button.
      tell: function (text, done) {
        var ok = el('button', 'ok');
        ok.textContent = 'OK';
        ok.setAttribute('data-cb', 'answer-ok');
        var p = panel(text, [ok]);
        p.setAttribute('data-cb', 'told');
        ok.addEventListener('click', function () { done(); p.remove(); });
      },
      ask: function (text, answer, yesLabel, noLabel) {
        var yes = el('button', 'ok'), no = el('button', 'no');
        yes.textContent = yesLabel || 'Allow'; no.textContent = noLabel || 'Deny';
        yes.setAttribute('data-cb', 'answer-yes'); no.setAttribute('data-cb', 'answer-no');
        var p = panel(text, [yes, no]);
        yes.addEventListener('click', function () { answer(true); p.remove(); });
        no.addEventListener('click', function () { answer(false); p.remove(); });
      },
      // One action's preview with Allow / Deny and a countdown; answer(null) when it lapses.
      askAction: function (id, preview, seconds, answer) {
        var yes = el('button', 'ok'), no = el('button', 'no'), left = seconds, done = false;
        yes.textContent = 'Allow'; no.textContent = 'Deny';
        yes.setAttribute('data-cb', 'action-allow'); no.setAttribute('data-cb', 'action-deny');
        var p = panel('', [yes, no]); rich(p.firstChild, preview);
        p.setAttribute('data-cb', 'action-request'); p.setAttribute('data-action-id', id);
        var count = el('p', 'muted'); count.setAttribute('data-cb', 'action-countdown'); p.insertBefore(count, p.lastChild);
        function show() { count.textContent = 'No answer in ' + left + ' s counts as Deny.'; }
        show();
        var timer = setInterval(function () { if (--left <= 0) finish(null); else show(); }, 1000);
        function finish(v) { if (done) return; done = true; clearInterval(timer); p.remove(); answer(v); }
        yes.addEventListener('click', function () { finish(true); });
        no.addEventListener('click', function () { finish(false); });
        return { cancel: function () { if (!done) { done = true; clearInterval(timer); p.remove(); } } };
      },
      // Rebuilds the marks' shapes (the set changed); place() positions them.
      marks: function (items, pointer) {
        drawn = [];
        while (svg.firstChild) svg.firstChild.remove();
        tags.textContent = '';
        items.slice(0, 50).forEach(function (it) { if (it && it.at) { var d = build(it, false); if (d) drawn.push(d); } });
        if (pointer && pointer.at) drawn.push(build(pointer, true));
        if (drawn.length) attach();
      },
      place: function (resolve) {
        for (var i = 0; i < drawn.length; i++) { try { placeOne(drawn[i], resolve); } catch (e) { hide(drawn[i], true); } }
      },
      survey: function (text, submit, skip) {
        bar.remove(); panels.textContent = ''; this.marks([], null);
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
        bar.remove(); panels.textContent = ''; this.marks([], null);
        var close = el('button', 'no'); close.textContent = 'Close';
        var p = panel(text, [close]); attach();
        close.addEventListener('click', function () { host.remove(); });
      }
    };
  })();
  window.__cobrowse.bytesSent = function () { return link ? link.bytesSent() : 0; };
  // The rules first: until they are here nothing is captured, so nothing leaves the page unmasked.
  function loadRules(delay) {
    fetch(ENGINE + '/cobrowse-rules.json', { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (json) {
        privacy = P.forPage(P.compileRules(json), pagePrivacy);
        if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', connect); else connect();
      }, function () { setTimeout(function () { loadRules(Math.min(delay * 2, 15000)); }, delay); });
  }
  loadRules(500);
})();

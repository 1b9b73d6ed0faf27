// What the SDK hides, decided in one place that needs no layout: the engine's
// rules compiled, text masked, a field judged, block > mask > reveal, private
// by default, and what changed between two captures. Served in front of the
// SDK in /cobrowse.js; node's tests load this very file (module.exports).
var cobrowsePrivacy = (function () {
  'use strict';
  var BULLET = '\u2022';
  var NON_ASCII = /[^\x00-\x7f]/;

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
  // Full-width digits, dashes and spaces read as the ASCII the rules are written in. One character for one,
  // so a find's positions are the original's (a fold to several characters, like a ligature, is left as it is).
  function fold(s) {
    if (!NON_ASCII.test(s)) return s;
    var out = '';
    for (var i = 0; i < s.length; i++) {
      var ch = s[i], k = ch.normalize ? ch.normalize('NFKC') : ch;
      out += k.length === 1 ? k : ch;
    }
    return out;
  }
  function strings(list) { return Array.isArray(list) ? list.filter(function (s) { return typeof s === 'string' && s.trim(); }).map(function (s) { return s.trim(); }) : []; }

  // The engine's /cobrowse-rules.json: its patterns (a tenant's appended), the field rules, and the tenant's policy.
  function compileRules(json) {
    function re(p, flags) { return new RegExp(p, flags); }
    var tenant = json.tenant && typeof json.tenant === 'object' ? json.tenant : {};
    return {
      patterns: json.patterns.map(function (p) {
        var regex = re(p.pattern, 'g' + (p.caseInsensitive ? 'i' : ''));
        return { regex: regex, luhn: p.check === 'luhn', minLength: p.minLength || 1, needsDigit: !!p.needsDigit,
                 grouped: re(p.pattern + '|').exec('').length > 1 };
      }),
      keyishLabel: re(json.fieldSecret.label, 'i'),
      tokenShape: re(json.fieldSecret.value, ''),
      inputTypes: json.protectedFields.inputTypes,
      autocomplete: re(json.protectedFields.autocomplete, 'i'),
      words: re(json.protectedFields.words, 'i'),
      tenant: {
        // Absent means the tenant set nothing; any value but "standard" (one it does not know too) is private.
        privateByDefault: tenant.privacy !== undefined && tenant.privacy !== null && tenant.privacy !== 'standard',
        mask: strings(tenant.mask), block: strings(tenant.block), reveal: strings(tenant.reveal)
      }
    };
  }

  // Each rule in the file's order, so an earlier rule's find is already bullets for the later ones;
  // a rule with a capture group hides only the group ("api key: " stays readable). The rules read
  // the folded text; the bullets land on the original's characters.
  function maskText(rules, s) {
    var start = fold(s), f = start;
    for (var i = 0; i < rules.patterns.length; i++) {
      var r = rules.patterns[i];
      if (f.length < r.minLength || (r.needsDigit && !/\d/.test(f))) continue;
      f = f.replace(r.regex, function (m) {
        var group = r.grouped ? arguments[1] : null;
        if (r.luhn && !luhn(m.replace(/\D/g, ''))) return m;
        if (!group) return bullets(m);
        var at = m.lastIndexOf(group);
        return m.slice(0, at) + bullets(group) + m.slice(at + group.length);
      });
    }
    if (f === start) return s;
    var out = '';
    for (var j = 0; j < s.length; j++) out += f[j] !== start[j] ? f[j] : s[j];
    return out;
  }

  // The text nodes of one line or block, as the page shows them side by side: a number split over
  // <b> or <span> is found in the joined text (whitespace runs read as one space, as rendered), and
  // each node gets its share of the bullets. Every node is also masked on its own, so joining can
  // only ever hide more. Lengths never change: the capture's word positions still hold.
  function maskRuns(rules, texts) {
    var joined = '', at = [];   // at[i]: [text index, offset] of the joined text's i-th character
    var space = false;
    for (var t = 0; t < texts.length; t++) {
      var s = texts[t];
      for (var o = 0; o < s.length; o++) {
        var white = /\s/.test(s[o]);
        if (white && space) continue;
        space = white;
        joined += white ? ' ' : s[o];
        at.push([t, o]);
      }
    }
    var masked = maskText(rules, joined);
    var out = texts.map(function (s) { return maskText(rules, s).split(''); });
    for (var i = 0; i < masked.length; i++) {
      if (masked[i] !== joined[i]) out[at[i][0]][at[i][1]] = masked[i];
    }
    return out.map(function (chars) { return chars.join(''); });
  }

  function listAttr(value) {
    return value ? String(value).split(',').map(function (s) { return s.trim(); }).filter(Boolean) : [];
  }
  function matchesAny(el, sels) {
    for (var i = 0; i < sels.length; i++) { try { if (el.matches(sels[i])) return true; } catch (e) {} }
    return false;
  }

  // The page's privacy: the script tag's attributes (data-cobrowse-reveal/mask/block/privacy) with the
  // tenant's policy from the rules. The tenant's selectors add to the page's; private by default holds
  // when either says so, so a page can make it stricter, never looser.
  function forPage(rules, attrs) {
    var config = {
      reveal: listAttr(attrs.reveal).concat(rules.tenant.reveal),
      mask: listAttr(attrs.mask).concat(rules.tenant.mask),
      block: listAttr(attrs.block).concat(rules.tenant.block),
      privateByDefault: (attrs.privacy || 'standard') !== 'standard' || rules.tenant.privateByDefault
    };
    function mask(s) { return maskText(rules, s); }
    function rawLabel(el) {
      var l = '', doc = el.ownerDocument;
      if (el.id) {
        var labels = doc.getElementsByTagName('label');
        for (var i = 0; i < labels.length && !l; i++) if (labels[i].htmlFor === el.id) l = labels[i].textContent;
      }
      if (!l && el.closest('label')) l = el.closest('label').textContent;
      l = l || el.getAttribute('aria-label') || el.getAttribute('placeholder') || el.name || '';
      return l.replace(/\s+/g, ' ').trim();
    }
    // A password or payment field: masked whole, by the type, autocomplete token, name, id and label the rules name.
    function sensitiveReason(el) {
      var type = (el.getAttribute('type') || '').toLowerCase();
      var ac = (el.getAttribute('autocomplete') || '').toLowerCase();
      if (rules.inputTypes.indexOf(type) >= 0) return 'password';
      if (rules.autocomplete.test(ac)) return /\bcc-/.test(ac) ? 'payment field' : 'password';
      var word = rules.words.exec([el.name || '', el.id || '', rawLabel(el)].join(' '));
      if (word) return /pass|pin/i.test(word[0]) ? 'password' : 'payment field';
      return null;
    }
    // Precedence: block (nothing is sent) > mask (a labelled box) > reveal (values and, when private by default, text).
    function blocked(el) { return el.hasAttribute('data-cobrowse-block') || matchesAny(el, config.block); }
    function markedMask(el) { return el.hasAttribute('data-cobrowse-mask') || matchesAny(el, config.mask); }
    function revealed(el) { return el.hasAttribute('data-cobrowse-reveal') || matchesAny(el, config.reveal); }
    // Whether a reveal covers the element (itself or an ancestor), for text read outside a capture.
    function shownAt(e) {
      for (var x = e; x && x.nodeType === 1; x = x.parentElement) if (revealed(x)) return true;
      return false;
    }
    // What the agent gets of an element, in precedence order (block > mask > reveal), ancestors
    // included: the SDK's second lock on actions, after the engine's own refusal.
    function treatment(el) {
      for (var x = el; x && x.nodeType === 1; x = x.parentElement) if (blocked(x)) return { kind: 'blocked', why: 'not shared at all' };
      for (var y = el; y && y.nodeType === 1; y = y.parentElement) if (markedMask(y)) return { kind: 'masked', why: 'marked private' };
      var field = /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) ? sensitiveReason(el) : null;
      if (field) return { kind: 'masked', why: field };
      if (shownAt(el)) return { kind: 'revealed' };
      return { kind: config.privateByDefault ? 'private' : 'shown' };
    }
    // Private by default: text no reveal covers goes as bullets of the same length.
    function hideUnless(shown, text) { return config.privateByDefault && !shown ? bullets(text) : text; }
    // A value the tenant reveals is still masked where the rules find a secret, and whole when it is a long token in a key-ish field.
    function revealedValue(el, value) {
      var v = mask(value);
      return rules.keyishLabel.test(rawLabel(el)) && rules.tokenShape.test(v) ? bullets(v) : v;
    }
    return {
      config: config, maskText: mask, maskRuns: function (texts) { return maskRuns(rules, texts); },
      rawLabel: rawLabel, sensitiveReason: sensitiveReason, blocked: blocked, markedMask: markedMask, revealed: revealed,
      shownAt: shownAt, treatment: treatment, hideUnless: hideUnless, revealedValue: revealedValue
    };
  }

  // ---- what changed between two captures ----
  function indexNodes(nodes) { var m = new Map(); nodes.forEach(function (n) { m.set(n.id, JSON.stringify(n)); }); return m; }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  // What was sent ({byId, viewport, scroll, url, title}) against a new capture: the nodes to upsert and
  // remove and the page facts that moved; `full` when a full scene is cheaper than the delta.
  function sceneChanges(sent, capture) {
    var now = indexNodes(capture.nodes), d = { upserts: [], removed: [] };
    capture.nodes.forEach(function (n) { if (sent.byId.get(n.id) !== now.get(n.id)) d.upserts.push(n); });
    sent.byId.forEach(function (_, id) { if (!now.has(id)) d.removed.push(id); });
    if (d.upserts.length + d.removed.length > capture.nodes.length / 2 && capture.nodes.length > 20) return { full: true, byId: now };
    if (!same(capture.viewport, sent.viewport)) d.viewport = capture.viewport;
    if (!same(capture.scroll, sent.scroll)) d.scroll = capture.scroll;
    if (capture.url !== sent.url) d.url = capture.url;
    if (capture.title !== sent.title) d.title = capture.title;
    return { full: false, delta: d, byId: now };
  }
  function sentState(capture, byId) {
    return { byId: byId || indexNodes(capture.nodes), viewport: capture.viewport, scroll: capture.scroll, url: capture.url, title: capture.title };
  }

  return Object.freeze({
    BULLET: BULLET, bullets: bullets, fold: fold, compileRules: compileRules, maskText: maskText, maskRuns: maskRuns,
    forPage: forPage, sceneChanges: sceneChanges, sentState: sentState, same: same
  });
})();
if (typeof module !== 'undefined' && module.exports) module.exports = cobrowsePrivacy;

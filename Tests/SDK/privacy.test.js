'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { privacy: P, rulesJSON, corpus, page } = require('./support');

const rules = P.compileRules(rulesJSON());
const BULLET = '\u2022';
const digitsOf = (s) => P.fold(s).replace(/\D/g, '');

test('every corpus case: the SDK hides what the corpus says and changes nothing else', () => {
  const cases = corpus();
  assert.ok(cases.length > 28);
  for (const c of cases) {
    const out = c.parts ? P.maskRuns(rules, c.parts).join('') : P.maskText(rules, c.text);
    assert.equal(out.length, c.text.length, c.id + ': masking keeps every position');
    if (!c.hidden.length) assert.equal(out, c.text, c.id + ': nothing is private here');
    for (const secret of c.hidden) {
      assert.ok(!out.includes(secret), c.id + ': ' + secret + ' survived as ' + out);
      const digits = digitsOf(secret);
      if (digits.length >= 9) assert.ok(!digitsOf(out).includes(digits), c.id + ': its digits survived in ' + out);
    }
  }
});

test('a number split over inline elements is masked whole, each part keeping its own length', () => {
  const parts = ['Card 4111 1111 ', '1111 1111 on file'];
  // Alone, neither part is a card number: only the joined text is.
  assert.deepEqual(parts.map((p) => P.maskText(rules, p)), parts);
  const out = P.maskRuns(rules, parts);
  assert.deepEqual(out, ['Card \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 ', '\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 on file']);
  // Whitespace between the nodes reads as one space, as the browser shows it.
  const spaced = P.maskRuns(rules, ['SSN 123-45-', '6789', '\n   on the form']);
  assert.equal(spaced.join(''), 'SSN ' + BULLET.repeat(11) + '\n   on the form');
  // Joining only ever hides more: a part masked on its own stays masked even when the joined text reads otherwise.
  const lone = P.maskRuns(rules, ['ref x-', '4111111111111111']);
  assert.equal(lone[1], BULLET.repeat(16));
});

test('full-width digits are read as digits, and the bullets land on the characters the page shows', () => {
  const wide = 'Card \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 on file';
  assert.equal(P.maskText(rules, wide), 'Card ' + [1, 2, 3, 4].map(() => BULLET.repeat(4)).join(' ') + ' on file');
  assert.equal(P.fold('\uff11\uff12\uff13\uff0d\uff14\uff15'), '123-45');
  // A compatibility character that folds to several is left as it is, so positions hold.
  assert.equal(P.fold('\ufb01le'), '\ufb01le');
  assert.equal(P.maskText(rules, 'Order \uff11\uff12\uff13\uff14 on the way'), 'Order \uff11\uff12\uff13\uff14 on the way');
});

test('password and payment fields are judged by type, autocomplete, name, id and label', () => {
  const { $ } = page(`
    <input id="pw" type="password">
    <input id="acc" autocomplete="cc-number">
    <input id="otp" autocomplete="one-time-code">
    <input id="x1" name="cvv">
    <label for="cardno">Card number</label><input id="cardno">
    <label>Your PIN <input id="pin"></label>
    <input id="iban" placeholder="IBAN">
    <label for="company">Company</label><input id="company">
    <input id="city" aria-label="City">`);
  const f = P.forPage(rules, {});
  assert.equal(f.sensitiveReason($('#pw')), 'password');
  assert.equal(f.sensitiveReason($('#acc')), 'payment field');
  assert.equal(f.sensitiveReason($('#otp')), 'password');
  assert.equal(f.sensitiveReason($('#x1')), 'payment field');
  assert.equal(f.sensitiveReason($('#cardno')), 'payment field');
  assert.equal(f.sensitiveReason($('#pin')), 'password');
  assert.equal(f.sensitiveReason($('#iban')), 'payment field');
  assert.equal(f.sensitiveReason($('#company')), null);
  assert.equal(f.sensitiveReason($('#city')), null);
});

test('block beats mask beats reveal, for the element and everything inside it', () => {
  const { $ } = page(`
    <section data-cobrowse-block><p id="blockedReveal" data-cobrowse-reveal>x</p></section>
    <div data-cobrowse-reveal><p id="maskedInReveal" data-cobrowse-mask>x</p><p id="plainInReveal">x</p>
      <input id="pwInReveal" type="password"></div>
    <div data-cobrowse-mask><p id="revealInMask" data-cobrowse-reveal>x</p></div>
    <div class="vault"><span id="bySelector">x</span></div>
    <p class="open" id="openBySelector">x</p>
    <p id="plain">x</p>`);
  const f = P.forPage(rules, { block: '.vault', reveal: '.open' });
  const kind = (sel) => f.treatment($(sel)).kind;
  assert.equal(kind('#blockedReveal'), 'blocked');
  assert.equal(kind('#bySelector'), 'blocked');
  assert.equal(kind('#maskedInReveal'), 'masked');
  assert.equal(f.treatment($('#maskedInReveal')).why, 'marked private');
  assert.equal(kind('#revealInMask'), 'masked');
  assert.deepEqual(f.treatment($('#pwInReveal')), { kind: 'masked', why: 'password' });
  assert.equal(kind('#plainInReveal'), 'revealed');
  assert.equal(kind('#openBySelector'), 'revealed');
  assert.equal(kind('#plain'), 'shown');
  assert.equal(f.shownAt($('#plainInReveal')), true);
  assert.equal(f.shownAt($('#plain')), false);
});

test('private by default: text no reveal covers goes as bullets of its length; standard sends it', () => {
  const { $ } = page('<p id="plain">Quarterly revenue 48200</p><p id="open" data-cobrowse-reveal>Plan: Team</p>');
  const strict = P.forPage(rules, { privacy: 'private-by-default' });
  assert.equal(strict.treatment($('#plain')).kind, 'private');
  assert.equal(strict.hideUnless(false, 'Quarterly revenue 48200'), '\u2022'.repeat(9) + ' ' + '\u2022'.repeat(7) + ' ' + '\u2022'.repeat(5));
  assert.equal(strict.hideUnless(strict.shownAt($('#open')), 'Plan: Team'), 'Plan: Team');
  // A value the page does not know is private too.
  assert.equal(P.forPage(rules, { privacy: 'strict' }).config.privateByDefault, true);
  const standard = P.forPage(rules, { privacy: 'standard' });
  assert.equal(standard.hideUnless(false, 'Quarterly revenue 48200'), 'Quarterly revenue 48200');
  assert.equal(P.forPage(rules, {}).config.privateByDefault, false);
});

test('a revealed value is still masked where the rules find a secret, and whole when a key-ish field holds a token', () => {
  const { $ } = page('<label for="k">API key</label><input id="k"><label for="n">Notes</label><input id="n">');
  const f = P.forPage(rules, {});
  assert.equal(f.revealedValue($('#k'), 'abcdefghijklmnopqrstuvwx'), BULLET.repeat(24));
  assert.equal(f.revealedValue($('#n'), 'abcdefghijklmnopqrstuvwx'), 'abcdefghijklmnopqrstuvwx');
  assert.equal(f.revealedValue($('#n'), 'mail dana@example.com'), 'mail ' + BULLET.repeat('dana@example.com'.length));
});

test('what changed between two captures: changed and new nodes, removed ids, moved page facts', () => {
  const before = { viewport: { width: 800, height: 600 }, scroll: { x: 0, y: 0 }, url: 'https://shop.test/a', title: 'A',
                   nodes: [{ id: 'root', kind: 'box' }, { id: 'n1', kind: 'text', text: 'Hello' }, { id: 'n2', kind: 'text', text: 'Gone soon' }] };
  const after = { viewport: { width: 800, height: 600 }, scroll: { x: 0, y: 120 }, url: 'https://shop.test/a', title: 'B',
                  nodes: [{ id: 'root', kind: 'box' }, { id: 'n1', kind: 'text', text: 'Hello there' }, { id: 'n3', kind: 'box' }] };
  const c = P.sceneChanges(P.sentState(before), after);
  assert.equal(c.full, false);
  assert.deepEqual(c.delta.upserts.map((n) => n.id), ['n1', 'n3']);
  assert.deepEqual(c.delta.removed, ['n2']);
  assert.deepEqual(c.delta.scroll, { x: 0, y: 120 });
  assert.equal(c.delta.title, 'B');
  assert.equal('viewport' in c.delta, false);
  assert.equal('url' in c.delta, false);
  // Nothing moved: an empty delta.
  const still = P.sceneChanges(P.sentState(after), after);
  assert.deepEqual(still.delta, { upserts: [], removed: [] });
  // Most of a large page changed: a full scene is cheaper.
  const many = (tag) => Array.from({ length: 30 }, (_, i) => ({ id: 'n' + i, kind: 'text', text: tag + i }));
  const big = { viewport: before.viewport, scroll: before.scroll, url: before.url, title: 'A' };
  assert.equal(P.sceneChanges(P.sentState(Object.assign({ nodes: many('a') }, big)), Object.assign({ nodes: many('b') }, big)).full, true);
});

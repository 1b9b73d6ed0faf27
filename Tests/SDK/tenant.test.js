'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { privacy: P, rulesJSON, page } = require('./support');

// The rules as the engine serves them with a tenant's policy in them.
function withTenant(tenant, extraPatterns) {
  const json = rulesJSON();
  if (tenant !== undefined) json.tenant = tenant;
  if (extraPatterns) json.patterns = json.patterns.concat(extraPatterns);
  return P.compileRules(json);
}

const html = `
  <div class="ledger"><p id="ledgerLine">Ledger</p></div>
  <div class="notes"><p id="noteLine">Notes</p></div>
  <p class="plan" id="planLine">Plan</p>
  <p class="pageMasked" id="pageMaskedLine">Page masked</p>
  <p id="plainLine">Plain</p>`;

test("the tenant's selectors add to the page's own", () => {
  const { $ } = page(html);
  const f = P.forPage(withTenant({ mask: ['.notes'], block: ['.ledger'], reveal: ['.plan'] }), { mask: '.pageMasked' });
  const kind = (sel) => f.treatment($(sel)).kind;
  assert.equal(kind('#ledgerLine'), 'blocked');
  assert.equal(kind('#noteLine'), 'masked');
  assert.equal(kind('#pageMaskedLine'), 'masked', 'the page keeps its own mask');
  assert.equal(kind('#planLine'), 'revealed');
  assert.equal(kind('#plainLine'), 'shown');
  assert.deepEqual(f.config.mask, ['.pageMasked', '.notes']);
});

test('the tenant can make a page private by default, and the page cannot make it looser', () => {
  const { $ } = page(html);
  for (const privacy of ['private-by-default', 'members-only', '']) {
    const f = P.forPage(withTenant({ privacy }), { privacy: 'standard' });
    assert.equal(f.config.privateByDefault, true, JSON.stringify(privacy) + ' is not standard');
    assert.equal(f.treatment($('#plainLine')).kind, 'private');
    assert.equal(f.hideUnless(false, 'Plain'), '\u2022'.repeat(5));
  }
  // A standard tenant leaves the page's choice: a page may be stricter.
  assert.equal(P.forPage(withTenant({ privacy: 'standard' }), { privacy: 'private-by-default' }).config.privateByDefault, true);
  assert.equal(P.forPage(withTenant({ privacy: 'standard' }), {}).config.privateByDefault, false);
  assert.equal(P.forPage(withTenant(undefined), {}).config.privateByDefault, false, 'no tenant: the page decides');
  assert.equal(P.forPage(withTenant({ mask: ['.notes'] }), {}).config.privateByDefault, false, 'no privacy named: standard');
});

test("a tenant's text patterns, appended to the engine's, mask like the engine's own", () => {
  const rules = withTenant({ privacy: 'standard' }, [{ kind: 'account', pattern: '\\bACCT-\\d{6}\\b', minLength: 11, needsDigit: true }]);
  assert.equal(P.maskText(rules, 'Account ACCT-204881 is overdue'), 'Account ' + '\u2022'.repeat(11) + ' is overdue');
  assert.equal(P.maskText(rules, 'Card 4111 1111 1111 1111'), 'Card ' + '\u2022\u2022\u2022\u2022 '.repeat(3) + '\u2022\u2022\u2022\u2022', 'the engine\'s rules still apply');
  assert.equal(P.maskText(P.compileRules(rulesJSON()), 'Account ACCT-204881 is overdue'), 'Account ACCT-204881 is overdue');
});

test('a malformed tenant block never loosens anything: lists that are not lists are ignored, invalid selectors match nothing', () => {
  const { $ } = page(html);
  const f = P.forPage(withTenant({ privacy: 'private-by-default', mask: '.notes', block: [42, '::bogus(', '.ledger'], reveal: null }), {});
  assert.equal(f.config.privateByDefault, true);
  assert.deepEqual(f.config.mask, []);
  assert.equal(f.treatment($('#ledgerLine')).kind, 'blocked', 'the valid selector still blocks');
  assert.equal(f.treatment($('#noteLine')).kind, 'private');
});

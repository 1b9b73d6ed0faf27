// What the SDK's node tests share: the product's own files (the rules the engine serves, the corpus
// both sides answer to, the modules the SDK is built on) and a DOM from Debian's node-jsdom.
'use strict';
const fs = require('fs');
const path = require('path');

const repo = path.join(__dirname, '..', '..');
const assets = path.join(repo, 'Sources', 'Engine', 'Web', 'Assets');

function jsdom() {
  try { return require('jsdom'); } catch (e) {
    // Debian's node searches /usr/share/nodejs (where node-jsdom and its dependencies are); a node from
    // elsewhere does not until that folder is on its NODE_PATH.
    process.env.NODE_PATH = ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
    require('module')._initPaths();
    return require('jsdom');
  }
}

const rulesJSON = () => JSON.parse(fs.readFileSync(path.join(assets, 'cobrowse-rules.json'), 'utf8'));
const corpus = () => JSON.parse(fs.readFileSync(path.join(repo, 'Tests', 'Privacy', 'redaction-corpus.json'), 'utf8')).cases;

// A page of `html`, with its document and the element of a selector at hand.
function page(html) {
  const { JSDOM } = jsdom();
  const dom = new JSDOM('<!doctype html><html><body>' + html + '</body></html>');
  const doc = dom.window.document;
  return { doc, $: (sel) => { const e = doc.querySelector(sel); if (!e) throw new Error('no ' + sel + ' in the page'); return e; } };
}

module.exports = {
  privacy: require(path.join(assets, 'cobrowse-privacy.js')),
  connect: require(path.join(assets, 'cobrowse-connect.js')),
  rulesJSON, corpus, page
};

#!/usr/bin/env node
// centra-check.js: the go-live check behind `centra-gxo centra check`.
//
// Reads the engine's documents (what `centra-gxo centra documents` prints:
// [{"name", "query"}]) on standard input, gets the schema the merchant's
// Centra really serves, and validates every document against it with
// graphql-js, naming each mismatch by operation and field.
//
//   CG_CENTRA_URL=https://shop.centra.com/graphql CG_CENTRA_TOKEN=... \
//     node centra-check.js < docs.json         introspect the live API
//   node centra-check.js --introspection FILE < docs.json   a saved answer
//
// The token is read from the environment only and never printed.
// Exit status: 0 every document valid, 1 some mismatch, 2 the check could
// not run (no answer, refused token, not an introspection result).
'use strict';

const fs = require('fs');
const check = require('./check.js');
const {g} = check;

const TIMEOUT_MS = 30000;

function fail(msg) {
  process.stderr.write(`centra check: ${msg}\n`);
  process.exit(2);
}

async function post(url, token, query) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST',
      signal: ctl.signal,
      headers: {'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json',
                'Accept': 'application/json'},
      body: JSON.stringify({query, operationName: 'IntrospectionQuery'}),
    });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = null; }
    return {status: res.status, body};
  } finally {
    clearTimeout(timer);
  }
}

// Introspects the live API; retries without inputValueDeprecation, which
// some servers do not know (the SDL header's recipe says the same).
async function introspect(url, token) {
  let last = null;
  for (const inputValueDeprecation of [true, false]) {
    const q = g.getIntrospectionQuery({descriptions: false, inputValueDeprecation});
    let r;
    try {
      r = await post(url, token, q);
    } catch (e) {
      fail(`no answer from ${url}: ${e.message}`);
    }
    if (r.status === 403 || r.status === 401)
      fail(`${url} refused the token (HTTP ${r.status}); check centra.token`);
    if (r.status === 200 && r.body && r.body.data && r.body.data.__schema)
      return r.body;
    last = r;
  }
  const why = last.body && last.body.errors ? last.body.errors[0].message : 'no __schema in the answer';
  return fail(`introspection failed (HTTP ${last.status}): ${why}`);
}

function readDocuments() {
  try {
    const docs = JSON.parse(fs.readFileSync(0, 'utf8'));
    if (Array.isArray(docs) && docs.length)
      return docs;
  } catch (e) {
    fail(`standard input is not the document list: ${e.message}`);
  }
  return fail('standard input must be a non-empty array of {name, query}');
}

async function loadSchema(argv) {
  if (argv[0] === '--introspection' && argv[1])
    return check.schemaFromIntrospection(JSON.parse(fs.readFileSync(argv[1], 'utf8')));
  if (argv.length)
    fail('usage: centra-check.js [--introspection FILE] < docs.json');
  const url = process.env.CG_CENTRA_URL;
  const token = process.env.CG_CENTRA_TOKEN;
  if (!url || !token)
    fail('CG_CENTRA_URL and CG_CENTRA_TOKEN must be set');
  return check.schemaFromIntrospection(await introspect(url, token));
}

async function main() {
  const docs = readDocuments();
  let schema;
  try {
    schema = await loadSchema(process.argv.slice(2));
  } catch (e) {
    fail(`cannot build a schema from the answer: ${e.message}`);
  }
  let bad = 0;
  for (const d of docs) {
    const r = check.checkRequest(schema, d.query, undefined, d.name);
    if (r.errors.length === 0) {
      process.stdout.write(`ok        ${d.name}\n`);
      continue;
    }
    bad++;
    for (const e of r.errors)
      process.stdout.write(`MISMATCH  ${d.name}: ${e}\n`);
  }
  process.stdout.write(`${docs.length - bad} of ${docs.length} documents valid against this shop's schema\n`);
  process.exit(bad ? 1 : 0);
}

main();

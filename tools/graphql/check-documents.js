#!/usr/bin/env node
// check-documents.js: validates GraphQL documents against a Centra schema.
//
//   node tools/graphql/check-documents.js --schema FILE.graphql   < docs.json
//   node tools/graphql/check-documents.js --introspection FILE.json < docs.json
//
// docs.json is an array of {"name", "query", "variables"?, "operationName"?}
// (what `centra-gxo centra documents` prints, or variables recorded from a
// run). Prints one line per problem, "<name>: <message>", and a summary
// line. Exit status: 0 all valid, 1 some invalid, 2 bad usage or input.
'use strict';

const fs = require('fs');
const check = require('./check.js');

function usage(msg) {
  process.stderr.write(`check-documents: ${msg}\n` +
    'usage: check-documents.js (--schema FILE.graphql | --introspection FILE.json) < docs.json\n');
  process.exit(2);
}

function loadSchema(argv) {
  if (argv.length !== 2)
    usage('expected one schema option and its file');
  const [opt, file] = argv;
  try {
    if (opt === '--schema')
      return check.schemaFromSdl(file);
    if (opt === '--introspection')
      return check.schemaFromIntrospection(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    process.stderr.write(`check-documents: cannot use ${file}: ${e.message}\n`);
    process.exit(2);
  }
  return usage(`unknown option ${opt}`);
}

function readDocuments() {
  let docs;
  try {
    docs = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    usage(`standard input is not JSON: ${e.message}`);
  }
  if (!Array.isArray(docs) || docs.length === 0)
    usage('standard input must be a non-empty array of {name, query}');
  return docs;
}

function main() {
  const schema = loadSchema(process.argv.slice(2));
  const docs = readDocuments();
  let bad = 0;
  for (const d of docs) {
    if (typeof d.query !== 'string' || typeof d.name !== 'string')
      usage('every document needs a "name" and a "query" string');
    const r = check.checkRequest(schema, d.query, d.variables, d.operationName);
    for (const e of r.errors)
      process.stdout.write(`${d.name}: ${e}\n`);
    bad += r.errors.length > 0;
  }
  process.stdout.write(`${docs.length - bad} valid, ${bad} invalid\n`);
  process.exit(bad ? 1 : 0);
}

main();

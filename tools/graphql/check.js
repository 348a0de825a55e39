// check.js: the one GraphQL document check of the project, shared by the
// simulator's Centra front (tests/sim/centra_gql.js), the document test in
// `make test` and `centra-gxo centra check` (tools/graphql/check-documents.js).
//
// Everything here is graphql-js (Debian node-graphql): parse, validate
// against a schema, coerce variables against the operation's declared
// types. Nothing is checked by hand.
'use strict';

const fs = require('fs');
const g = require('./graphql.js');

// Builds a schema from SDL text (the project's copy of Centra's schema).
function schemaFromSdl(path) {
  return g.buildSchema(fs.readFileSync(path, 'utf8'));
}

// Builds a schema from an introspection answer ({data: {__schema}} or the
// bare {__schema}), as a live Centra returns it.
function schemaFromIntrospection(json) {
  if (json && json.errors && json.errors.length)
    throw new Error('introspection failed: ' + json.errors[0].message);
  const data = json && json.data ? json.data : json;
  return g.buildClientSchema(data);
}

function locate(err) {
  const loc = err.locations && err.locations[0];
  return loc ? ` (line ${loc.line}, column ${loc.column})` : '';
}

// Picks the operation the request names (or the only one).
function pickOperation(doc, operationName) {
  const ops = doc.definitions.filter((d) => d.kind === g.Kind.OPERATION_DEFINITION);
  if (operationName)
    return ops.find((o) => o.name && o.name.value === operationName) || null;
  return ops.length === 1 ? ops[0] : null;
}

// Parses and validates a document. Returns {document, errors: [GraphQLError]}
// (errors carry locations; document is undefined on a syntax error).
function parseAndValidate(schema, query) {
  let document;
  try {
    document = g.parse(query);
  } catch (e) {
    return {errors: [e]};
  }
  return {document, errors: g.validate(schema, document)};
}

// Picks the operation and coerces variables (unless undefined) against its
// declared types. Returns {operation, coerced, errors: [GraphQLError]}.
function coerceRequest(schema, document, variables, operationName) {
  const operation = pickOperation(document, operationName);
  if (operation === null) {
    const msg = operationName ? `Unknown operation named "${operationName}".`
                              : 'Must provide operation name if query contains multiple operations.';
    return {errors: [new g.GraphQLError(msg)]};
  }
  if (variables === undefined)
    return {operation, errors: []};
  const coerced = g.getVariableValues(schema, operation.variableDefinitions || [],
                                      variables || {}, {maxErrors: 50});
  if (coerced.errors)
    return {operation, errors: coerced.errors};
  return {operation, coerced: coerced.coerced, errors: []};
}

// Checks one request. Returns {document, operation, errors: [message]}:
// errors is empty when the document parses, validates against the schema
// and, when variables is not undefined, the variables coerce against the
// operation's declared types.
function checkRequest(schema, query, variables, operationName) {
  const text = (errs) => errs.map((e) => e.message + locate(e));
  const pv = parseAndValidate(schema, query);
  if (pv.document === undefined)
    return {errors: text(pv.errors)};
  const document = pv.document;
  if (pv.errors.length)
    return {document, errors: text(pv.errors)};
  const cr = coerceRequest(schema, document, variables, operationName);
  if (cr.operation === undefined)
    return {document, errors: text(cr.errors)};
  if (cr.errors.length)
    return {document, operation: cr.operation, errors: text(cr.errors)};
  const out = {document, operation: cr.operation, errors: []};
  if (cr.coerced !== undefined)
    out.coerced = cr.coerced;
  return out;
}

module.exports = {g, schemaFromSdl, schemaFromIntrospection, checkRequest, pickOperation,
                  parseAndValidate, coerceRequest};

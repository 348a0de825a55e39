// centra_gql.js: the GraphQL layer of the simulated Centra. One long-lived
// child of centra-gxo-sim (tests/sim/sim_gqlhost.c starts it); everything
// GraphQL is graphql-js, through tools/graphql/check.js. The C side keeps
// the token, the budget, faults and the data; this process only checks
// documents and shapes answers.
//
// Protocol: one JSON object per line on stdin, one reply line on stdout.
// An answer is always printed as {"answer":...} with nothing after it, so
// the simulator passes its text on without parsing it (sim_gqlhost.c).
//   {"plan": {query, variables, operationName}}
//     -> {"refuse": {errors: [...]}, operationName}   invalid: HTTP 400
//     -> {"answer": {data, errors?}}                  introspection only
//     -> {"fields": [{alias, name, args}], mutation, operationName,
//         complexity, needs: {alias: tree}}   tree: what execution can read
//   {"exec": {values: {alias: value}, errors: {alias: message}}}
//     -> {"answer": {data, errors?, extensions: {complexity}}}   the planned
//        request, executed with graphql-js over the handlers' values (only
//        selected fields); the simulator cuts each value to its tree
//        (rootNeeds) before sending it
//
// Complexity (what Centra charges its QUERY_COMPLEXITY buckets and reports
// in extensions.complexity) is computed from the document before it runs,
// as graphql-php's QueryComplexity rule does: every selected field costs 1
// plus its selection; a list field with a `limit` argument multiplies its
// selection by the limit (its default when not given); abstract types
// count every fragment; introspection and freeToAllocateQuantity (free in
// Centra's docs) cost nothing. An upper bound: it does not depend on how
// many rows exist.
//
// Usage: node centra_gql.js <schema.graphql>
'use strict';

// graphql-js's instanceOf adds a check for a second copy of the library
// (another realm) to every type test unless NODE_ENV is production; this
// process loads one copy, and the check cost a tenth of its CPU. It must be
// set before graphql-js loads. Validation and execution do not change.
process.env.NODE_ENV = 'production';

const fs = require('fs');
const path = require('path');
const check = require(path.join(__dirname, '../../tools/graphql/check.js'));
const g = check.g;

const CACHE_MAX = 512;
const cache = new Map(); // query text -> {document, errors}
let pending = null;      // the planned request awaiting "exec"

function shapeError(e) {
  const out = {message: e.message};
  if (e.locations && e.locations.length)
    out.locations = e.locations;
  if (e.path)
    out.path = e.path;
  out.extensions = {category: 'graphql'};
  return out;
}

function checked(schema, query) {
  let hit = cache.get(query);
  if (hit === undefined) {
    hit = check.parseAndValidate(schema, query);
    if (cache.size >= CACHE_MAX)
      cache.clear();
    cache.set(query, hit);
  }
  return hit;
}

// The root fields of the operation, fragments and @skip/@include applied,
// grouped by response key (the first node of a key gives its arguments).
function collectRoot(schema, document, operation, vars) {
  const frags = {};
  for (const d of document.definitions)
    if (d.kind === g.Kind.FRAGMENT_DEFINITION)
      frags[d.name.value] = d;
  const out = new Map();
  const seen = new Set();
  const included = (node) => {
    const skip = g.getDirectiveValues(g.GraphQLSkipDirective, node, vars);
    const inc = g.getDirectiveValues(g.GraphQLIncludeDirective, node, vars);
    return !(skip && skip.if === true) && !(inc && inc.if === false);
  };
  const walk = (set) => {
    for (const sel of set.selections) {
      if (!included(sel))
        continue;
      if (sel.kind === g.Kind.FIELD) {
        const key = sel.alias ? sel.alias.value : sel.name.value;
        if (!out.has(key))
          out.set(key, sel);
      } else if (sel.kind === g.Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet);
      } else if (!seen.has(sel.name.value) && frags[sel.name.value]) {
        seen.add(sel.name.value);
        walk(frags[sel.name.value].selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return out;
}

const FREE_FIELDS = new Set(['freeToAllocateQuantity']);

function isList(type) {
  const t = type instanceof g.GraphQLNonNull ? type.ofType : type;
  return t instanceof g.GraphQLList;
}

// The cost of a selection set on a type (see the header).
function selectionCost(schema, ctx, type, set) {
  let sum = 0;
  for (const sel of set.selections) {
    if (!ctx.included(sel))
      continue;
    if (sel.kind === g.Kind.INLINE_FRAGMENT) {
      const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
      sum += selectionCost(schema, ctx, t, sel.selectionSet);
    } else if (sel.kind === g.Kind.FRAGMENT_SPREAD) {
      const f = ctx.frags[sel.name.value];
      if (f)
        sum += selectionCost(schema, ctx, schema.getType(f.typeCondition.name.value),
                             f.selectionSet);
    } else {
      sum += fieldCost(schema, ctx, type, sel);
    }
  }
  return sum;
}

function fieldCost(schema, ctx, type, node) {
  const name = node.name.value;
  const def = type && type.getFields ? type.getFields()[name] : undefined;
  if (name.startsWith('__') || FREE_FIELDS.has(name) || !def)
    return 0;
  if (!node.selectionSet)
    return 1;
  const inner = selectionCost(schema, ctx, g.getNamedType(def.type), node.selectionSet);
  const args = isList(def.type) ? g.getArgumentValues(def, node, ctx.vars) : {};
  const times = typeof args.limit === 'number' ? args.limit : 1;
  return 1 + inner * Math.max(times, 1);
}

function complexity(schema, document, operation, vars) {
  const frags = {};
  for (const d of document.definitions)
    if (d.kind === g.Kind.FRAGMENT_DEFINITION)
      frags[d.name.value] = d;
  const included = (node) => {
    const skip = g.getDirectiveValues(g.GraphQLSkipDirective, node, vars);
    const inc = g.getDirectiveValues(g.GraphQLIncludeDirective, node, vars);
    return !(skip && skip.if === true) && !(inc && inc.if === false);
  };
  return selectionCost(schema, {frags, vars, included}, rootType(schema, operation),
                       operation.selectionSet);
}

// What the execution of each root field can read of its value, by response
// key: {name: 1 (the whole value) | {name: ...}} over the fields selected
// below it, across every fragment and type condition and ignoring @skip and
// @include (a superset), plus what the custom resolvers read beyond the
// selection (RESOLVER_READS). The simulator sends only that of the stored
// objects (sim_gqlhost.c keeps __typename everywhere, for abstract types).
const RESOLVER_READS = {
  lines: {own: {quantity: 1, cancelledQuantity: 1}},
  stockTotals: {sibling: {stock: {warehouse: {id: 1}, physicalQuantity: 1,
                                  allocatedQuantity: 1, freeToAllocateQuantity: 1}}},
};

function mergeNeeds(into, tree) {
  for (const k of Object.keys(tree)) {
    if (tree[k] === 1 || into[k] === 1)
      into[k] = 1;
    else
      mergeNeeds(into[k] || (into[k] = {}), tree[k]);
  }
}

function addNeeds(set, into, frags) {
  for (const sel of set.selections) {
    if (sel.kind === g.Kind.INLINE_FRAGMENT) {
      addNeeds(sel.selectionSet, into, frags);
    } else if (sel.kind === g.Kind.FRAGMENT_SPREAD) {
      if (frags[sel.name.value])
        addNeeds(frags[sel.name.value].selectionSet, into, frags);
    } else if (!sel.selectionSet) {
      into[sel.name.value] = 1;
    } else {
      const name = sel.name.value, extra = RESOLVER_READS[name];
      if (into[name] !== 1) {
        addNeeds(sel.selectionSet, into[name] || (into[name] = {}), frags);
        if (extra && extra.own)
          mergeNeeds(into[name], extra.own);
      }
      if (extra && extra.sibling)
        mergeNeeds(into, extra.sibling);
    }
  }
}

function rootNeeds(document, operation) {
  const frags = {};
  for (const d of document.definitions)
    if (d.kind === g.Kind.FRAGMENT_DEFINITION)
      frags[d.name.value] = d;
  const byKey = {};
  const walk = (set) => {
    for (const sel of set.selections) {
      if (sel.kind === g.Kind.FIELD) {
        const key = sel.alias ? sel.alias.value : sel.name.value;
        if (byKey[key] === undefined)
          byKey[key] = {};
        if (!sel.selectionSet)
          byKey[key] = 1;
        else if (byKey[key] !== 1)
          addNeeds({selections: [sel]}, byKey[key], frags);
      } else {
        const f = sel.kind === g.Kind.INLINE_FRAGMENT ? sel : frags[sel.name.value];
        if (f)
          walk(f.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  // addNeeds put each key's tree under the field's name: unwrap it.
  const out = {};
  for (const [key, t] of Object.entries(byKey))
    out[key] = t === 1 ? 1 : mergeAll(Object.values(t));
  return out;
}

function mergeAll(trees) {
  const out = {};
  for (const t of trees) {
    if (t === 1)
      return 1;
    mergeNeeds(out, t);
  }
  return out;
}

// A result computed from an operation and its coerced variables, cached
// with the document (hit) for the variables the computation read: it is
// computed over a proxy that notes every variable it looks at, and reused
// when those variables have the same values (the same values lead it down
// the same path, so it reads the same ones). Root fields and complexity
// read variables only through @skip/@include and list limits: a document
// without those is computed once.
const BY_VARS_KEPT = 8;

function varsKey(vars, names) {
  return JSON.stringify(names.map((n) => Object.prototype.hasOwnProperty.call(vars, n) ?
                                         [vars[n]] : []));
}

function noting(vars, seen) {
  const note = (k) => {
    if (typeof k === 'string')
      seen.add(k);
  };
  return new Proxy(vars, {
    get(t, k) { note(k); return t[k]; },
    has(t, k) { note(k); return k in t; },
    getOwnPropertyDescriptor(t, k) { note(k); return Object.getOwnPropertyDescriptor(t, k); },
    ownKeys(t) { Object.keys(t).forEach(note); return Reflect.ownKeys(t); },
  });
}

function byVars(hit, what, operation, vars, compute) {
  const v = vars || {};
  if (hit.byVars === undefined)
    hit.byVars = new Map();
  let lists = hit.byVars.get(operation);
  if (lists === undefined)
    hit.byVars.set(operation, lists = {});
  const list = lists[what] || (lists[what] = []);
  for (const e of list)
    if (varsKey(v, e.names) === e.key)
      return e.value;
  const seen = new Set();
  const value = compute(noting(v, seen));
  const names = [...seen];
  if (list.length >= BY_VARS_KEPT)
    list.shift();
  list.push({names, key: varsKey(v, names), value});
  return value;
}

function cachedNeeds(hit, operation) {
  if (hit.needs === undefined)
    hit.needs = new Map();
  let n = hit.needs.get(operation);
  if (n === undefined)
    hit.needs.set(operation, n = rootNeeds(hit.document, operation));
  return n;
}

function rootType(schema, operation) {
  if (operation.operation === 'subscription')
    return schema.getSubscriptionType();
  return operation.operation === 'mutation' ? schema.getMutationType()
                                            : schema.getQueryType();
}

function plan(schema, req) {
  const query = typeof req.query === 'string' ? req.query : '';
  const opName = req.operationName || undefined;
  const vars = req.variables === null || req.variables === undefined ? {} : req.variables;
  const pv = checked(schema, query);
  let errors = pv.errors, cr = null;
  if (!errors.length) {
    cr = check.coerceRequest(schema, pv.document, vars, opName);
    errors = cr.errors;
  }
  const name = opName || (cr && cr.operation && cr.operation.name ? cr.operation.name.value : null);
  if (errors.length)
    return {refuse: {errors: errors.map(shapeError)}, operationName: name};
  const type = rootType(schema, cr.operation);
  if (!type) {
    const e = new g.GraphQLError(
        `Schema is not configured to execute ${cr.operation.operation} operation.`,
        {nodes: cr.operation});
    return {refuse: {errors: [shapeError(e)]}, operationName: name};
  }
  const fields = [];
  const root = byVars(pv, 'root', cr.operation, cr.coerced,
                      (vars) => collectRoot(schema, pv.document, cr.operation, vars));
  for (const [alias, node] of root) {
    if (node.name.value.startsWith('__'))
      continue;
    const def = type.getFields()[node.name.value];
    fields.push({alias, name: node.name.value,
                 args: g.getArgumentValues(def, node, cr.coerced)});
  }
  const cost = byVars(pv, 'cost', cr.operation, cr.coerced,
                      (vars) => complexity(schema, pv.document, cr.operation, vars));
  pending = {document: pv.document, variables: vars, operationName: opName,
             complexity: cost};
  if (!fields.length)
    return {answer: run(schema, {}, {})};
  return {fields, mutation: cr.operation.operation === 'mutation', operationName: name,
          complexity: cost, needs: cachedNeeds(pv, cr.operation)};
}

// The root value: one function per root field name (graphql-js's default
// resolver calls a function-valued property), answering the handler's value
// or error for the field's response key. Below the root the default
// resolver reads the stored objects as they are, with no wrapper per field.
let execValues = {}, execErrors = {};
const rootValue = {};

function rootField(args, ctx, info) {
  const key = info.path.key;
  if (typeof execErrors[key] === 'string')
    throw new Error(execErrors[key]);
  return execValues[key];
}

function run(schema, values, errors) {
  execValues = values;
  execErrors = errors || {};
  const cost = pending.complexity;
  let res;
  try {
    res = g.execute({schema, document: pending.document, rootValue,
                     variableValues: pending.variables,
                     operationName: pending.operationName});
  } finally {
    pending = null;
    execValues = execErrors = {};
  }
  const out = {data: res.data === undefined ? null : res.data};
  if (res.errors && res.errors.length)
    out.errors = res.errors.map(shapeError);
  out.extensions = {complexity: cost};
  return out;
}

// --- argument-aware resolvers ----------------------------------------------

// quantity is already without the cancelled units (the C side renders
// it as Centra does), so a line is fully cancelled when none is left.
function fullyCancelled(line) {
  return (line.cancelledQuantity || 0) > 0 && (line.quantity || 0) <= 0;
}

function linesResolver(order, args) {
  const lines = Array.isArray(order.lines) ? order.lines : [];
  return args.includeFullyCancelled ? lines : lines.filter((l) => !fullyCancelled(l));
}

const TOTALS = ['freeToAllocateQuantity', 'physicalQuantity', 'allocatedQuantity',
                'availableQuantity', 'demandQuantity', 'unshippedQuantity',
                'onDeliveryQuantity', 'linkedIncomingQuantity', 'unlinkedIncomingQuantity'];

function stockTotalsResolver(size, args) {
  const wh = args.where && args.where.warehouseId;
  const sum = {};
  for (const k of TOTALS)
    sum[k] = 0;
  for (const e of Array.isArray(size.stock) ? size.stock : []) {
    const id = e.warehouse ? e.warehouse.id : null;
    if (Array.isArray(wh) && !wh.includes(id))
      continue;
    sum.physicalQuantity += e.physicalQuantity || 0;
    sum.allocatedQuantity += e.allocatedQuantity || 0;
    sum.freeToAllocateQuantity += e.freeToAllocateQuantity || 0;
  }
  sum.availableQuantity = sum.freeToAllocateQuantity;
  sum.unshippedQuantity = sum.allocatedQuantity;
  return sum;
}

function productCounter(counters, args) {
  const st = args.where && args.where.status;
  return Array.isArray(st) && !st.includes('ACTIVE') ? 0 : counters.products;
}

function install(schema) {
  for (const type of [schema.getQueryType(), schema.getMutationType()])
    for (const name of Object.keys(type ? type.getFields() : {}))
      rootValue[name] = rootField;
  for (const name of ['DirectToConsumerOrder'])
    schema.getType(name).getFields().lines.resolve = linesResolver;
  schema.getType('ProductSize').getFields().stockTotals.resolve = stockTotalsResolver;
  schema.getType('Counters').getFields().products.resolve = productCounter;
}

// --- the line loop ---------------------------------------------------------

function handle(schema, line) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    return {fatal: 'bad JSON from the simulator: ' + e.message};
  }
  if (msg.plan)
    return plan(schema, msg.plan);
  if (msg.exec && pending)
    return {answer: run(schema, msg.exec.values || {}, msg.exec.errors || {})};
  return {fatal: 'unexpected message (no plan pending?)'};
}

function reply(schema, line) {
  let out;
  try {
    out = handle(schema, line);
  } catch (e) {
    out = {fatal: String(e && e.stack || e)};
  }
  writeAll(Buffer.from(JSON.stringify(out) + '\n', 'utf8'));
}

function writeAll(buf) {
  for (let off = 0; off < buf.length;)
    off += fs.writeSync(1, buf, off, buf.length - off);
}

// A plain blocking loop on fds 0 and 1 (the simulator's socket; process.stdin
// and process.stdout are never touched, so node leaves them blocking): the
// simulator waits for every reply, so there is nothing to overlap, and
// streams, events and the string decoder cost more than small requests'
// own work. Lines are found in the bytes and decoded once.
function main() {
  const schema = check.schemaFromSdl(process.argv[2]);
  install(schema);
  let buf = Buffer.allocUnsafe(1 << 20), len = 0, scanned = 0;
  for (;;) {
    if (len === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    let n;
    try {
      n = fs.readSync(0, buf, len, buf.length - len, null);
    } catch (e) {
      if (e.code === 'EAGAIN' || e.code === 'EINTR')
        continue;
      throw e;
    }
    if (n === 0)
      process.exit(0);
    len += n;
    let start = 0, nl;
    while ((nl = buf.subarray(0, len).indexOf(10, scanned)) !== -1) {
      reply(schema, buf.toString('utf8', start, nl));
      start = scanned = nl + 1;
    }
    scanned = len;
    if (start > 0) {
      buf.copy(buf, 0, start, len);
      len -= start;
      scanned -= start;
    }
  }
}

main();

// centra_gql_exec.js: graphql-js's execution of a document, without its
// per-field bookkeeping, for the answers the simulated Centra gives most
// (pages of orders: thousands of fields, no errors). Used by centra_gql.js.
//
// execute() follows graphql-js 16's execute.js step by step for a
// synchronous execution that raises no error, with graphql-js's own field
// collection (collectFields/collectSubfields), field definitions, argument
// values and scalar serialization. What it leaves out is what only matters
// when something goes wrong or is asynchronous: the first time anything
// would make an error (a null for a non-null field, a value a scalar cannot
// serialize, a list that is no list, an abstract type not resolved by
// __typename, a resolver that throws or returns a promise, ...), or meets
// something it does not do (introspection's __schema and __type, isTypeOf,
// resolveType, a response key __proto__), it gives up and returns FALLBACK:
// the caller then runs graphql-js's execute, which makes the answer with
// its errors. So an answer from here is the one graphql-js would give.
// centra_gql.js can check that on every request (CG_SIM_GQL_VERIFY=1, set
// by the simulator's tests).
//
// Differences in cost, not in results: arguments are computed once per
// field node rather than once per list item (getArgumentValues is a pure
// function of the definition, the node and the variables), and only where
// they can matter (the node has arguments, or a resolver is called); the
// resolve info is made only for the resolvers that take it; results are
// plain objects (graphql-js makes null-prototype ones, which print the same
// but slower), which is why a response key __proto__ falls back.
'use strict';

const path = require('path');

const FALLBACK = Symbol('fallback');

// graphql-js's own collectFields.js and Path.js, from the copy g is (the
// package's index.js): the index does not export them.
function internals(g) {
  for (const [file, m] of Object.entries(require.cache)) {
    if (m.exports === g && path.basename(file) === 'index.js') {
      const dir = path.dirname(file);
      return {collect: require(path.join(dir, 'execution/collectFields.js')),
              addPath: require(path.join(dir, 'jsutils/Path.js')).addPath};
    }
  }
  throw new Error('graphql-js is not loaded through require');
}

function make(g) {
  const {collect, addPath} = internals(g);

  function giveUp() {
    throw FALLBACK;
  }

  function resolveInfo(ctx, def, nodes, parentType, path) {
    return {fieldName: def.name, fieldNodes: nodes, returnType: def.type, parentType, path,
            schema: ctx.schema, fragments: ctx.fragments, rootValue: ctx.rootValue,
            operation: ctx.operation, variableValues: ctx.vars};
  }

  // getArgumentValues of a field node, once per execution.
  function argsOf(ctx, def, node) {
    let args = ctx.args.get(node);
    if (args === undefined)
      ctx.args.set(node, args = g.getArgumentValues(def, node, ctx.vars));
    return args;
  }

  // executeField: the completed value, or undefined for a field the type
  // does not have.
  function executeField(ctx, parentType, source, nodes, path) {
    const node = nodes[0], name = node.name.value;
    if (name === '__typename')
      return completeValue(ctx, g.TypeNameMetaFieldDef.type, nodes, parentType.name, path);
    if (name === '__schema' || name === '__type')
      giveUp();
    const def = parentType.getFields()[name];
    if (def === undefined)
      return undefined;
    const args = node.arguments && node.arguments.length ? argsOf(ctx, def, node) : undefined;
    let result;
    if (def.resolve !== undefined) {
      result = def.resolve(source, args || argsOf(ctx, def, node), undefined,
                           resolveInfo(ctx, def, nodes, parentType, path));
    } else if (typeof source === 'object' && source !== null || typeof source === 'function') {
      result = source[name];
      if (typeof result === 'function')
        result = source[name](args || argsOf(ctx, def, node), undefined,
                              resolveInfo(ctx, def, nodes, parentType, path));
    }
    return completeValue(ctx, def.type, nodes, result, path);
  }

  function executeFields(ctx, parentType, source, path, fields) {
    const results = {};
    for (const [key, nodes] of fields) {
      if (key === '__proto__')
        giveUp();
      const result = executeField(ctx, parentType, source, nodes, addPath(path, key, parentType.name));
      if (result !== undefined)
        results[key] = result;
    }
    return results;
  }

  function completeValue(ctx, type, nodes, result, path) {
    if (result instanceof Error || (result !== null && result !== undefined &&
                                    typeof result.then === 'function'))
      giveUp();
    if (type instanceof g.GraphQLNonNull) {
      const completed = completeValue(ctx, type.ofType, nodes, result, path);
      if (completed === null)
        giveUp();
      return completed;
    }
    if (result === null || result === undefined)
      return null;
    if (type instanceof g.GraphQLList) {
      if (!Array.isArray(result))
        giveUp();
      const out = new Array(result.length);
      for (let i = 0; i < result.length; i++)
        out[i] = completeValue(ctx, type.ofType, nodes, result[i], addPath(path, i, undefined));
      return out;
    }
    if (type instanceof g.GraphQLScalarType || type instanceof g.GraphQLEnumType) {
      const serialized = type.serialize(result);
      if (serialized === null || serialized === undefined)
        giveUp();
      return serialized;
    }
    return completeObjectValue(ctx, runtimeType(ctx, type, result), nodes, result, path);
  }

  // completeAbstractValue with the default type resolver's first way
  // (__typename) and ensureValidRuntimeType's checks.
  function runtimeType(ctx, type, result) {
    if (type instanceof g.GraphQLObjectType)
      return type;
    if (type.resolveType || typeof result !== 'object' || typeof result.__typename !== 'string')
      giveUp();
    const runtime = ctx.schema.getType(result.__typename);
    if (!(runtime instanceof g.GraphQLObjectType) || !ctx.schema.isSubType(type, runtime))
      giveUp();
    return runtime;
  }

  function completeObjectValue(ctx, type, nodes, result, path) {
    if (type.isTypeOf)
      giveUp();
    let byNodes = ctx.subfields.get(type);
    if (byNodes === undefined)
      ctx.subfields.set(type, byNodes = new Map());
    let fields = byNodes.get(nodes);
    if (fields === undefined)
      byNodes.set(nodes, fields = collect.collectSubfields(ctx.schema, ctx.fragments, ctx.vars,
                                                           type, nodes));
    return executeFields(ctx, type, result, path, fields);
  }

  // A memo for execute(): the document's fragments and collected fields.
  // One memo may serve every execution of a document that has no @skip or
  // @include (collection depends on the variables only through those), so
  // fields are collected once, not once per request.
  function memo(document) {
    const fragments = Object.create(null);
    for (const d of document.definitions)
      if (d.kind === g.Kind.FRAGMENT_DEFINITION)
        fragments[d.name.value] = d;
    return {fragments, root: new Map(), subfields: new Map()};
  }

  // The data of executing operation (of document) with coerced variables
  // over rootValue, or FALLBACK. m: memo(document); args: a Map of argument
  // values already computed for field nodes (with these variables), or
  // undefined.
  function execute(schema, document, operation, vars, rootValue, m, args) {
    const ctx = {schema, fragments: m.fragments, vars, rootValue, operation,
                 args: args || new Map(), subfields: m.subfields};
    const rootType = schema.getRootType(operation.operation);
    try {
      if (!rootType)
        giveUp();
      let fields = m.root.get(operation);
      if (fields === undefined)
        m.root.set(operation, fields = collect.collectFields(schema, m.fragments, vars, rootType,
                                                             operation.selectionSet));
      return executeFields(ctx, rootType, rootValue, undefined, fields);
    } catch (e) {
      return FALLBACK;
    }
  }

  return {execute, memo};
}

module.exports = {make, FALLBACK};

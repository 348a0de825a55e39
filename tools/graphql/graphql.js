// graphql.js: loads graphql-js (Debian package node-graphql) for the
// project's Node tools: the simulator's Centra front, the document check
// in `make test`, and `centra-gxo centra check`.
//
// Debian's own nodejs searches /usr/share/nodejs; other builds of node
// (e.g. a newer one from another repository) do not, so fall back to the
// package's path explicitly rather than asking users to set NODE_PATH.
'use strict';

function load() {
  try {
    return require('graphql');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND')
      throw e;
    return require('/usr/share/nodejs/graphql');
  }
}

module.exports = load();

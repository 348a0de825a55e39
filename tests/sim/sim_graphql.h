/*
 * sim_graphql: the small GraphQL document reader behind the simulated
 * Centra /graphql endpoint. No C GraphQL library exists in Debian, and the
 * simulator needs only the root of one operation:
 *
 *   query Name($v: T = default) { a: field(arg: $v, n: 1) { ...skipped } }
 *         ^ optional keyword/name   ^ alias  ^ arguments as cJSON
 *
 * Root fields (with optional alias) and their arguments are read; variable
 * references are resolved from the request's "variables" object (or the
 * variable's default); nested selection sets are skipped by matching braces
 * (strings are lexed, so braces inside them do not count). Fragment
 * definitions are skipped; fragment spreads and directives on root fields
 * are refused with a clear message. Several operations in one document are
 * allowed when operationName picks one.
 */
#ifndef CG_SIM_GRAPHQL_H
#define CG_SIM_GRAPHQL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct sim_gql_field {
  char *alias; /* response key: the alias, or the name */
  char *name;  /* the root field ("orders", "createShipment", ...) */
  cJSON *args; /* object of argument name -> value; never NULL */
};

struct sim_gql_doc {
  bool mutation;
  char *op_name; /* NULL for anonymous operations */
  struct sim_gql_field *fields;
  size_t nfields;
};

/* Reads src (NUL-terminated) and fills doc with the operation named
 * operation_name (NULL: the only operation). variables may be NULL.
 * Returns 0, or CG_EINVAL with a message ("Syntax Error: ... at line L,
 * column C") in errbuf, or CG_ENOMEM. On failure doc is left empty. The
 * caller frees doc with sim_gql_doc_free. */
int sim_gql_parse(const char *src, const char *operation_name,
                  const cJSON *variables, struct sim_gql_doc *doc, char *errbuf,
                  size_t errsize);
/* Frees what sim_gql_parse filled; the struct itself is the caller's. */
void sim_gql_doc_free(struct sim_gql_doc *doc);

#endif

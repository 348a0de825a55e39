/*
 * sim_json_print: the simulator's JSON printer. Its text is byte for byte
 * what libcjson's cJSON_PrintUnformatted prints (numbers included: the
 * same "%1.15g", read back, else "%1.17g" rule, with integers up to 15
 * digits written directly), at a fraction of the cost: the simulated
 * Centra prints every answer twice (to its GraphQL child, then to the
 * client), and Debian's cJSON formats and re-reads every number through
 * the printf family.
 *
 * sim_json_print_cut prints a value cut to a tree of what is read
 * ({name: 1 | {subtree}}, as centra_gql.js plans it): objects keep the
 * members the tree names (and __typename: graphql-js resolves abstract
 * types by it), cut further where the tree has a subtree; lists are cut
 * element by element; the rest is printed whole. Nothing is copied first.
 */
#ifndef CG_SIM_JSON_PRINT_H
#define CG_SIM_JSON_PRINT_H

#include <cjson/cJSON.h>

/* v printed as cJSON_PrintUnformatted would (cg_free); NULL when out of
 * memory or when cJSON could not print it either (a raw item without
 * text, an item of no type). */
char *sim_json_print(const cJSON *v);
/* v cut to tree (tree not an object: v whole); NULL as above. */
char *sim_json_print_cut(const cJSON *v, const cJSON *tree);

#endif

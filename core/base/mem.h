/*
 * mem: the one allocator every module uses.
 *
 * All allocation goes through cg_malloc/cg_free so tests can make the Nth
 * allocation fail (cg_mem_fail_after) and so cJSON allocates through it too
 * (cg_mem_init installs the hooks). Lowest layer: depends on nothing.
 */
#ifndef CG_BASE_MEM_H
#define CG_BASE_MEM_H

#include <stddef.h>

/* Installs cJSON's allocation hooks. Call once at start, before any JSON. */
void cg_mem_init(void);

void *cg_malloc(size_t size);
void *cg_calloc(size_t n, size_t size);
void *cg_realloc(void *ptr, size_t size);
/* cg_free(NULL) is a no-op. */
void cg_free(void *ptr);
/* Returns a copy owned by the caller (cg_free), or NULL on failure or when
 * s is NULL. */
char *cg_strdup(const char *s);
char *cg_strndup(const char *s, size_t n);

/* Test hook: after n more successful allocations every allocation fails,
 * until cg_mem_fail_after(-1). Not thread-safe; tests only. */
void cg_mem_fail_after(long n);

#endif

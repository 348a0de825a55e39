/*
 * testutil: shared helpers for C tests (cmocka). Locating the build and
 * source trees, temporary directories, spawning and stopping child
 * processes (the simulator, the engine), free loopback ports, and a
 * blocking HTTP call through libcurl easy for driving servers under test.
 */
#ifndef CG_TESTUTIL_H
#define CG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

/* $CG_BUILD_DIR / $CG_SOURCE_DIR (set by ctest), with fallbacks. */
const char *tu_build_dir(void);
const char *tu_source_dir(void);
/* Fresh empty directory under /tmp; caller frees the string. */
char *tu_tmpdir(const char *tag);
/* rm -rf of a directory made by tu_tmpdir. */
void tu_rmtree(const char *dir);
/* A loopback TCP port that was free a moment ago, reserved for this
 * process until it exits: no other test running beside it is given it. */
int tu_free_port(void);
/* Waits until 127.0.0.1:port accepts a connection; 0 or -1 on timeout. */
int tu_wait_port(int port, int timeout_ms);
/* Waits until child pid (spawned with its output to log_path) accepts on
 * port. If it exits first or the time runs out, prints why and the log's
 * tail (the test's output is all CI keeps) and returns -1. */
int tu_wait_child(pid_t pid, int port, int timeout_ms, const char *log_path);

/* Spawns argv (argv[0] is a path) with stdout/stderr to log_path (may be
 * NULL to inherit). Returns the pid or -1. The child is killed at exit if
 * the test has not stopped it (tu_stop) or forgotten it (tu_forget). */
pid_t tu_spawn(char *const argv[], const char *log_path);
/* A child reaped by the caller (waitpid) is no longer killed at exit. */
void tu_forget(pid_t pid);
/* Sends sig and waits up to timeout_ms; returns the wait status or -1.
 * Children not stopped by the test are killed when the test exits. */
int tu_stop(pid_t pid, int sig, int timeout_ms);

struct tu_http_response {
  long status;
  char *body; /* NUL-terminated, cg_free */
  size_t body_len;
  char *headers; /* raw header block, cg_free */
};

/* Blocking HTTP request. headers is a NULL-terminated list of "Name: value"
 * strings (may be NULL); body may be NULL. Returns 0 or -1 on transport
 * failure. */
int tu_http(const char *method, const char *url, const char *const *headers,
            const char *body, struct tu_http_response *out);
/* Value of a response header (case-insensitive) copied into buf, or NULL. */
const char *tu_http_header(const struct tu_http_response *r, const char *name,
                           char *buf, size_t size);
void tu_http_response_free(struct tu_http_response *r);

#endif

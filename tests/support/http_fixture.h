/*
 * http_fixture: runs a cg_http_server on its own uv loop in a background
 * thread for tests, and a raw-socket client (blocking, with timeouts) that
 * parses responses with http-parser, so tests can send exact bytes:
 * pipelined requests, oversized headers, half requests, early closes.
 *
 *   test thread                      loop thread (owns every handle)
 *   hf_start -> create + listen  ->  uv_run
 *   hf_connect / hf_send / hf_read   handlers
 *   hf_stop  -> uv_async_send    ->  cg_http_server_close -> done
 *            <- pthread_join     <-  uv_run returns
 */
#ifndef CG_TEST_HTTP_FIXTURE_H
#define CG_TEST_HTTP_FIXTURE_H

#include "net/http_server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct hf_server {
  uv_loop_t loop;
  uv_async_t stop;
  pthread_t thread;
  struct cg_http_server *srv;
  int port;
  atomic_int closed; /* the server's done callback has fired */
  /* Optional, called on the loop thread from the done callback. */
  void (*on_closed)(struct hf_server *f);
  void *user;
};

/* Creates the server on a fresh loop, listens on 127.0.0.1:0 and starts
 * the loop thread. Returns 0 or -1. */
int hf_start(struct hf_server *f, const struct cg_http_server_opts *opts,
             cg_http_handler_fn handler, void *arg);
/* Closes the server from the loop thread, joins it and closes the loop.
 * Returns uv_loop_close's result (0 when every handle was closed). */
int hf_stop(struct hf_server *f);

/* Blocking loopback client socket with a 5 s receive timeout, or -1. */
int hf_connect(int port);
/* Sends all of s[0..n); 0 or -1. */
int hf_send(int fd, const char *s, size_t n);
int hf_send_str(int fd, const char *s);

struct hf_resp {
  int status;
  char body[1024]; /* truncated, NUL-terminated */
  size_t body_len; /* full length */
  char connection[32];
  char allow[128];
  bool has_date;
  bool has_length;
};

/* Reads until n responses are complete, the peer closes or timeout_ms
 * passes. Returns how many responses were complete (at most n; bytes
 * received after the n-th are dropped, so ask for every response you
 * expect in one call); *closed tells whether the peer closed (may be
 * NULL). */
int hf_read(int fd, struct hf_resp *out, int n, int timeout_ms, bool *closed);
/* True if the peer closes (FIN or RST) within timeout_ms, discarding any
 * bytes that arrive first. */
bool hf_wait_closed(int fd, int timeout_ms);

#endif

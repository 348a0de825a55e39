/*
 * port: loopback port helpers for programs that start servers and wait
 * for them (the demo starting the simulator; tests). Blocking: use only
 * outside the event loop.
 */
#ifndef CG_NET_PORT_H
#define CG_NET_PORT_H

/* A loopback TCP port that was free a moment ago, below the kernel's
 * ephemeral range (so no outgoing connection takes it meanwhile), or -1. */
int cg_port_free(void);
/* Waits until 127.0.0.1:port accepts a connection. 0, or CG_ETIMEDOUT
 * after timeout_ms. */
int cg_port_wait(int port, int timeout_ms);

#endif

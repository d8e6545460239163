/*
 * server.h - `okaeri serve`: the HTTP server around the router, on libmicrohttpd.
 *
 * A pool of worker threads, each running its own epoll loop over the connections it accepted
 * (MHD_USE_EPOLL_INTERNAL_THREAD + MHD_OPTION_THREAD_POOL_SIZE). Each worker opens its own
 * database connection the first time it needs one, so requests never share a connection and
 * never take a global lock. Limits: request body (413), connection memory, which bounds the
 * header size (MHD answers 431), number of connections and idle time per connection (slow
 * clients are dropped). SIGTERM/SIGINT stop accepting, let in-flight requests finish, then
 * close the database connections. API tokens found live are cached for a couple of seconds
 * (auth_token_cache_enable), so that a request with a token makes no round trip for it; the
 * cache is flushed after every state-changing request.
 *
 * Automation (automate.h) runs in its own thread with its own database connection: one pass at
 * start, then one every minute; a pass that changed something marks the reports snapshot
 * stale. GET /unsubscribe?token=... (the link in every e-mail) needs no login.
 */
#ifndef OK_HTTP_SERVER_H
#define OK_HTTP_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

struct http_config {
    const char *listen;    /* "ADDR:PORT" or "[V6]:PORT"; port 0 picks a free one */
    const char *db_target; /* as for db_open */
    int threads;           /* worker threads (0: number of CPUs, at least 2; on PostgreSQL
                              four times that) */
    size_t max_body;       /* bytes (0: 1 MiB) */
    int max_connections;   /* 0: 512 */
    int timeout;           /* seconds a connection may stay idle (0: 30) */
    int cookie_secure;     /* mark cookies Secure (when served behind TLS) */
    FILE *announce;        /* where "listening on ..." is printed (stdout) */
    int automate_interval; /* seconds between automation passes; 0: $OKAERI_AUTOMATE_INTERVAL
                              or 60; -1: none */
    int token_cache;       /* seconds a live API token is cached (auth.h); 0: $OKAERI_TOKEN_CACHE
                              or 2; -1: none */
};

/* Loads the snapshot, listens, serves until SIGTERM or SIGINT, then shuts down gracefully.
 * Returns 0 after a clean shutdown, -1 with err when it cannot start. */
int http_serve(const struct http_config *cfg, struct ok_err *err);

#endif

/*
 * http_harness.h - the HTTP request path in-process, for the fuzz targets fuzz_http and
 * fuzz_json_body: raw request bytes go through libmicrohttpd's parser, the router and the
 * handlers, against a temporary database, without a listening socket.
 *
 * A libmicrohttpd daemon without a listen socket is driven from the calling thread (MHD_run);
 * each request is written into one end of a socketpair whose other end is handed to the daemon
 * with MHD_add_connection. The request callback below does what server.c's on_request does for
 * /api/ (body collection with a limit, http_dispatch, rollback of a transaction a handler left
 * open), /unsubscribe and the static files; it then checks what the server must guarantee:
 *   - no 500 (the server answers 5xx only for bugs and database trouble, and the database here
 *     is a healthy local file);
 *   - every JSON reply parses as JSON;
 *   - no handler leaves a transaction open.
 * A broken guarantee aborts, so libFuzzer keeps the input.
 *
 * The database (mkdtemp under $TMPDIR) is created once per process and keeps what requests
 * write, so later inputs meet earlier data. It holds one user per role with an API token, and
 * an admin session (cookie and CSRF token); harness_request() adds the credentials chosen by
 * the caller as headers. Header-only because the Makefile links a fuzz target as one file.
 */
#ifndef OK_TESTS_FUZZ_HTTP_HARNESS_H
#define OK_TESTS_FUZZ_HTTP_HARNESS_H

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "http/assets.h"
#include "http/auth.h"
#include "http/http.h"

#define HARNESS_MAX_BODY ((size_t)1 << 20)

/* Credentials a request is sent with. */
enum harness_auth {
    HA_NONE,
    HA_READONLY, /* bearer token of a readonly user */
    HA_STAFF,    /* ... staff */
    HA_MANAGER,  /* ... manager */
    HA_ADMIN,    /* ... admin */
    HA_SESSION,  /* admin session cookie with its X-CSRF-Token */
    HA_NOCSRF,   /* admin session cookie without the CSRF header */
    HA_BADTOKEN, /* a well-formed bearer token nobody was given */
    HA_COUNT
};

struct harness {
    struct MHD_Daemon *daemon;
    struct http_server_state st;
    struct db *db;
    char dir[64], path[96];
    char token[5][AUTH_TOKEN_MAX]; /* index = enum harness_auth (HA_READONLY..HA_ADMIN) */
    char cookie[AUTH_TOKEN_MAX], csrf[AUTH_TOKEN_MAX];
    int64_t admin_id;
    int last_status;
};

static struct harness harness;

struct harness_conn {
    struct http_req req;
    struct buf body;
    int too_large;
};

#define HARNESS_CHECK(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "http harness: " __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static enum MHD_Result harness_respond(struct MHD_Connection *conn, struct http_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len;
    char *data;
    if (r->status == 204)
        buf_reset(&r->out);
    data = buf_detach(&r->out, &len);
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    harness.last_status = r->status;
    if (getenv("OKAERI_FUZZ_VERBOSE"))
        fprintf(stderr, "%s %s -> %d %.200s\n", r->method, r->path, r->status, data ? data : "");
    ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The guarantees of the top of this file, on a reply before it is sent. */
static void harness_check_reply(const struct http_req *r)
{
    HARNESS_CHECK(r->status != 500, "%s %s answered 500: %s", r->method, r->path, r->out.data);
    HARNESS_CHECK(r->status >= 200 && r->status < 600, "%s %s: status %d", r->method, r->path,
                  r->status);
    if (r->out.len && (r->out.data[0] == '{' || r->out.data[0] == '[')) {
        json_error_t jerr;
        json_t *j = json_loadb(r->out.data, r->out.len, 0, &jerr);
        HARNESS_CHECK(j, "%s %s: reply is not JSON (%s): %.300s", r->method, r->path, jerr.text,
                      r->out.data);
        json_decref(j);
    }
}

static enum MHD_Result harness_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                          const char *method, const char *version,
                                          const char *upload_data, size_t *upload_data_size,
                                          void **con_cls)
{
    struct harness_conn *c = *con_cls;
    (void)cls;
    (void)version;
    if (!c) {
        c = calloc(1, sizeof(*c));
        *con_cls = c;
        buf_init(&c->body, HARNESS_MAX_BODY);
        buf_init(&c->req.out, 0);
        c->req.srv = &harness.st;
        c->req.conn = conn;
        c->req.method = method;
        c->req.path = url;
        c->req.status = 200;
        snprintf(c->req.address, sizeof(c->req.address), "127.0.0.1");
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (c->body.len + *upload_data_size > HARNESS_MAX_BODY)
            c->too_large = 1;
        else
            buf_append(&c->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->too_large) {
        http_error(&c->req, 413, "too_large", NULL, "too large");
        return harness_respond(conn, &c->req);
    }
    if (!strcmp(url, "/unsubscribe")) {
        c->req.db = harness.db;
        h_unsubscribe(&c->req);
    } else if (strncmp(url, "/api/", 5) != 0) {
        return (enum MHD_Result)http_static_serve(conn, method, url);
    } else {
        c->req.db = harness.db;
        c->req.body = c->body.data;
        c->req.body_len = c->body.len;
        http_dispatch(&c->req);
    }
    HARNESS_CHECK(harness.db->tx_depth == 0, "%s %s left a transaction open", method, url);
    harness_check_reply(&c->req);
    return harness_respond(conn, &c->req);
}

static void harness_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                                 enum MHD_RequestTerminationCode toe)
{
    struct harness_conn *c = *con_cls;
    int i;
    (void)cls;
    (void)conn;
    (void)toe;
    if (!c)
        return;
    for (i = 0; i < c->req.nparams; i++)
        free(c->req.params[i]);
    if (c->req.json)
        json_decref(c->req.json);
    buf_release(&c->req.out);
    buf_release(&c->body);
    free(c);
    *con_cls = NULL;
}

static void harness_cleanup(void)
{
    char p[128];
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    size_t i;
    for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", harness.path, sfx[i]);
        unlink(p);
    }
    rmdir(harness.dir);
}

static void harness_sql(const char *sql)
{
    struct ok_err err;
    HARNESS_CHECK(db_exec(harness.db, sql, &err) == 0, "setup SQL failed: %s", err.message);
}

/* Sends raw request bytes; returns the status the handler chose, or 0 when the request did not
 * reach a handler (libmicrohttpd refused it, or it was a static file). */
static int harness_send(const char *req, size_t n)
{
    int fds[2], i;
    struct sockaddr_in sin;
    char sink[65536];
    struct timespec t0, t1;
    harness.last_status = 0;
    HARNESS_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0, "socketpair");
    {
        int sz = 1 << 20;
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    }
    while (n > 0) {
        ssize_t w = send(fds[0], req, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w <= 0)
            break; /* more than the socket holds: the rest is cut off */
        req += w;
        n -= (size_t)w;
    }
    shutdown(fds[0], SHUT_WR);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(harness.daemon, fds[1], (struct sockaddr *)&sin, sizeof(sin)) !=
        MHD_YES) {
        close(fds[0]);
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0;; i++) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        ssize_t got;
        MHD_run(harness.daemon);
        got = recv(fds[0], sink, sizeof(sink), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            break; /* the daemon closed the connection: the request is over */
        if (got > 0)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 5)
            break; /* libmicrohttpd's connection timeout cleans it up */
        poll(&pfd, 1, i < 10 ? 0 : 1);
    }
    close(fds[0]);
    MHD_run(harness.daemon);
    return harness.last_status;
}

/* The credential header lines of auth (for callers that build raw requests). */
static void harness_auth_headers(struct buf *b, enum harness_auth auth)
{
    switch (auth) {
    case HA_READONLY:
    case HA_STAFF:
    case HA_MANAGER:
    case HA_ADMIN:
        buf_printf(b, "Authorization: Bearer %s\r\n", harness.token[auth]);
        break;
    case HA_SESSION:
        buf_printf(b, "Cookie: okaeri_session=%s\r\nX-CSRF-Token: %s\r\n", harness.cookie,
                   harness.csrf);
        break;
    case HA_NOCSRF:
        buf_printf(b, "Cookie: okaeri_session=%s\r\n", harness.cookie);
        break;
    case HA_BADTOKEN:
        buf_puts(b, "Authorization: Bearer ok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n");
        break;
    default:
        break;
    }
}

/* Sends method path with headers (each line ending in \r\n, may be "") and body, with the
 * credentials auth. Returns as harness_send. */
static int harness_request(const char *method, const char *path, const char *headers,
                           const char *body, size_t body_len, enum harness_auth auth)
{
    struct buf b;
    int status;
    buf_init(&b, 0);
    buf_printf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
    harness_auth_headers(&b, auth);
    buf_puts(&b, headers);
    if (body)
        buf_printf(&b, "Content-Length: %zu\r\n", body_len);
    buf_puts(&b, "\r\n");
    if (body)
        buf_append(&b, body, body_len);
    status = harness_send(b.data, b.len);
    buf_release(&b);
    return status;
}

/* Undoes what earlier inputs did to the credentials (revoked tokens, disabled users, changed
 * roles, a logout), so that every input can reach every route. */
static void harness_reset(void)
{
    struct ok_err err;
    char sql[160];
    int64_t n = 0;
    harness_sql("UPDATE api_tokens SET revoked_at = NULL, expires_at = NULL WHERE name = 'fuzz'");
    harness_sql("UPDATE users SET disabled = 0, role = substr(login, 4) "
                "WHERE login IN ('fz_readonly', 'fz_staff', 'fz_manager', 'fz_admin')");
    if (harness.cookie[0]) {
        char digest[65];
        auth_token_digest(harness.cookie, digest);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = '%s'", digest);
        HARNESS_CHECK(db_query_i64(harness.db, sql, &n, &err) == 1, "%s", err.message);
    }
    if (n == 0)
        HARNESS_CHECK(auth_session_create(harness.db, harness.admin_id, "127.0.0.1", harness.cookie,
                                          harness.csrf, &err) == 0,
                      "session: %s", err.message);
}

/* Creates the database, the users, tokens and session, a little data, and the daemon, the
 * first time; later calls only run harness_reset. Call at the start of every input. */
static void harness_setup(void)
{
    static const char *const roles[] = {NULL, "readonly", "staff", "manager", "admin"};
    struct ok_err err;
    const char *tmp = getenv("TMPDIR");
    int64_t admin = 0;
    int i;
    if (harness.daemon) {
        harness_reset();
        return;
    }
    log_set_level(LOG_OFF);
    snprintf(harness.dir, sizeof(harness.dir), "%s/okaeri-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    HARNESS_CHECK(mkdtemp(harness.dir), "mkdtemp");
    snprintf(harness.path, sizeof(harness.path), "%s/fuzz.db", harness.dir);
    atexit(harness_cleanup);
    harness.db = db_open(harness.path, DB_OPEN_CREATE, &err);
    HARNESS_CHECK(harness.db, "db_open: %s", err.message);
    HARNESS_CHECK(migrate_apply(harness.db, NULL, &err) == 0, "migrate: %s", err.message);
    harness_sql("PRAGMA synchronous=OFF");
    HARNESS_CHECK(auth_init(&err) == 0, "auth_init: %s", err.message);
    for (i = HA_READONLY; i <= HA_ADMIN; i++) {
        char sql[200];
        int64_t uid, tid;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO users (login, display_name, role) VALUES ('fz_%s', '%s', '%s')",
                 roles[i], roles[i], roles[i]);
        harness_sql(sql);
        snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE login = 'fz_%s'", roles[i]);
        HARNESS_CHECK(db_query_i64(harness.db, sql, &uid, &err) == 1, "user id: %s", err.message);
        if (i == HA_ADMIN)
            admin = uid;
        HARNESS_CHECK(auth_token_create(harness.db, uid, "fuzz", 0, harness.token[i], &tid, &err) ==
                          0,
                      "token: %s", err.message);
    }
    harness.admin_id = admin;
    harness_reset();
    HARNESS_CHECK(snap_holder_init(&harness.st.snap, harness.db, &err) == 0, "snapshot: %s",
                  err.message);
    harness.daemon = MHD_start_daemon(
        MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, harness_on_request, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 2u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, harness_on_completed, NULL, MHD_OPTION_END);
    HARNESS_CHECK(harness.daemon, "MHD_start_daemon");
    {
        /* a little data for the {code}, {sku}, {id} paths of the corpus */
        static const char cust[] = "{\"code\":\"C1\",\"name\":\"山田 太郎\",\"email\":"
                                   "\"taro@example.jp\",\"tags\":\"vip\"}";
        static const char prod[] = "{\"sku\":\"P1\",\"name\":\"珈琲豆\",\"price\":1200}";
        static const char json[] = "Content-Type: application/json\r\n";
        harness_request("POST", "/api/v1/customers", json, cust, strlen(cust), HA_ADMIN);
        harness_request("POST", "/api/v1/products", json, prod, strlen(prod), HA_ADMIN);
    }
}

#endif

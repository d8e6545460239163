/*
 * server.c - the libmicrohttpd side of the server (see server.h): connections, bodies, limits,
 * responses, request log, per-thread database connections and graceful shutdown.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "automation/automate.h"
#include "automation/population.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/assets.h"
#include "http/http.h"
#include "core/banned.h"

struct server {
    struct http_server_state st;
    const struct http_config *cfg;
    size_t max_body;
    pthread_mutex_t mu; /* guards dbs */
    struct db **dbs;
    size_t ndbs, dbs_alloc;
    atomic_int inflight;
    /* the automation thread (automate_run every interval seconds) */
    pthread_t auto_thread;
    int auto_started;
    int auto_interval;
    pthread_mutex_t auto_mu;
    pthread_cond_t auto_cv;
    int auto_stop;
    /* the warming thread (snap_holder_warm once the writes have paused), stopped with auto_stop */
    pthread_t warm_thread;
    int warm_started;
};

/* Imports upload whole files: their bodies may be this large. */
#define IMPORT_MAX_BODY ((size_t)256 << 20)

/* Each worker thread's own connection. */
static _Thread_local struct db *worker_db;

struct conn_ctx {
    int started;    /* on_request has set up the fields below */
    char *raw_path; /* the request target up to '?', as sent (still percent-encoded), owned */
    struct http_req req;
    struct buf body;
    int too_large;
    int responded;
    size_t max_body;
    struct timespec start;
};

static struct db *db_for_thread(struct server *s, struct ok_err *err)
{
    if (worker_db)
        return worker_db;
    worker_db = db_open(s->cfg->db_target, 0, err);
    if (!worker_db)
        return NULL;
    pthread_mutex_lock(&s->mu);
    s->dbs = xgrow(s->dbs, &s->dbs_alloc, s->ndbs + 1, sizeof(*s->dbs));
    s->dbs[s->ndbs++] = worker_db;
    pthread_mutex_unlock(&s->mu);
    return worker_db;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        getnameinfo(ci->client_addr, len, out, (socklen_t)n, NULL, 0, NI_NUMERICHOST);
    }
}

/* The path as it may appear in a log line: printable ASCII, bounded. */
static void log_safe(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; *s && i + 1 < n; s++)
        out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[i] = '\0';
}

static enum MHD_Result respond(struct server *s, struct conn_ctx *c)
{
    struct http_req *r = &c->req;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    struct timespec end;
    char *data;
    size_t len;
    double ms;
    char path[256];
    if (r->status == 204)
        buf_reset(&r->out);
    data = buf_detach(&r->out, &len);
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (len)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->content_type ? r->content_type
                                                : "application/json; charset=utf-8");
    if (r->filename[0]) {
        char disp[200];
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", r->filename);
        MHD_add_response_header(resp, "Content-Disposition", disp);
    }
    if (r->content_type && !strncmp(r->content_type, "text/html", 9))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r->etag[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    ret = MHD_queue_response((struct MHD_Connection *)r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    c->responded = 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    ms = (double)(end.tv_sec - c->start.tv_sec) * 1e3 +
         (double)(end.tv_nsec - c->start.tv_nsec) / 1e6;
    if (log_get_level() <= LOG_INFO) {
        log_safe(r->path, path, sizeof(path));
        /* never the query string: it may hold search terms; never headers: they hold tokens */
        log_info("%s %s %d %.1fms %s", r->method, path, r->status, ms,
                 r->authenticated ? r->who.login : "-");
    }
    (void)s;
    return ret;
}

/* Called by libmicrohttpd with the request target before it decodes anything: the API routes
 * on this raw path (router.c decodes each {x} segment after matching), since the decoded URL
 * has lost the difference between '/' and %2F and ends at a %00. Its return value becomes the
 * request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct conn_ctx *c = xcalloc(1, sizeof(*c));
    (void)cls;
    (void)conn;
    c->raw_path = xstrndup(uri, strcspn(uri, "?"));
    return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    struct conn_ctx *c = *con_cls;
    struct ok_err err;
    (void)version;
    if (!c || !c->started) {
        const char *cl;
        if (!c) {
            c = xcalloc(1, sizeof(*c));
            *con_cls = c;
        }
        c->started = 1;
        atomic_fetch_add(&s->inflight, 1);
        clock_gettime(CLOCK_MONOTONIC, &c->start);
        c->max_body = s->max_body;
        if (!strncmp(url, "/api/v1/imports", 15) && c->max_body < IMPORT_MAX_BODY)
            c->max_body = IMPORT_MAX_BODY;
        buf_init(&c->body, c->max_body);
        buf_init(&c->req.out, 0);
        c->req.srv = &s->st;
        c->req.conn = conn;
        c->req.method = method;
        c->req.path = url;
        c->req.status = 200;
        if (c->raw_path) {
            c->req.path = c->raw_path;
            c->req.path_encoded = 1;
        }
        client_address(conn, c->req.address, sizeof(c->req.address));
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long n;
            errno = 0;
            n = strtoull(cl, &end, 10);
            if (errno || *end || n > c->max_body) {
                /* answer before reading the body; MHD closes the connection afterwards */
                http_error(&c->req, 413, "too_large", NULL,
                           "the request body is larger than %zu bytes", c->max_body);
                return respond(s, c);
            }
        }
        if (c->raw_path && strstr(c->raw_path, "%00")) {
            /* the decoded path would end there: refuse it rather than serve a shorter one */
            http_error(&c->req, 400, "invalid", NULL, "the path contains %%00");
            return respond(s, c);
        }
        return MHD_YES;
    }
    if (c->responded) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!c->too_large) {
            if (c->body.len + *upload_data_size > c->max_body)
                c->too_large = 1;
            else
                buf_append(&c->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->too_large) {
        http_error(&c->req, 413, "too_large", NULL, "the request body is larger than %zu bytes",
                   c->max_body);
        return respond(s, c);
    }
    if (!strcmp(url, "/unsubscribe")) {
        /* the link in every e-mail: no login, the token is the authority */
        ok_err_clear(&err);
        c->req.db = db_for_thread(s, &err);
        if (!c->req.db) {
            log_error("cannot open the database: %s", err.message);
            http_error(&c->req, 503, "unavailable", NULL, "the database is not available");
            return respond(s, c);
        }
        h_unsubscribe(&c->req);
        return respond(s, c);
    }
    if (strncmp(url, "/api/", 5) != 0) {
        /* the web UI: files embedded in the binary (h_static.c), no database needed */
        c->responded = 1;
        return (enum MHD_Result)http_static_serve(conn, method, url);
    }
    ok_err_clear(&err);
    c->req.db = db_for_thread(s, &err);
    if (!c->req.db) {
        log_error("cannot open the database: %s", err.message);
        http_error(&c->req, 503, "unavailable", NULL, "the database is not available");
        return respond(s, c);
    }
    c->req.body = c->body.data;
    c->req.body_len = c->body.len;
    http_dispatch(&c->req);
    if (c->req.db->tx_depth > 0) {
        /* a handler bug must not leave a transaction open on this worker's connection */
        log_error("%s %s left a transaction open; rolled back", method, url);
        while (c->req.db->tx_depth > 0)
            db_rollback(c->req.db);
    }
    /* Any write may have changed who a token stands for (a role, a disabled user, a revoked
     * token): the next request through this server sees it at once. Writes are rare next to
     * reads, and a flush costs one lookup per token afterwards. */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        auth_token_cache_flush();
    return respond(s, c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct conn_ctx *c = *con_cls;
    int i;
    (void)conn;
    (void)toe;
    if (!c)
        return;
    free(c->raw_path);
    if (!c->started) {
        /* the request line was read but the request went no further (malformed headers) */
        free(c);
        *con_cls = NULL;
        return;
    }
    for (i = 0; i < c->req.nparams; i++)
        free(c->req.params[i]);
    if (c->req.json)
        json_decref(c->req.json);
    buf_release(&c->req.out);
    buf_release(&c->body);
    free(c);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* ---- automation: one pass at start, then every auto_interval seconds ---- */

/* The population the automation thread keeps between passes (loading it takes seconds for a
 * million customers; a pass on a held one about one). It is reloaded when the server's snapshot
 * has changed since (every write the server makes shows there, and on PostgreSQL other
 * processes' writes too) and at least every POPULATION_MAX_AGE seconds, for writes made beside
 * the server on SQLite. */
#define POPULATION_MAX_AGE 600

struct held_population {
    struct population pop;
    int loaded;
    uint64_t version; /* snapshot version it was loaded at */
    time_t loaded_at;
};

/* Makes sure hp holds a population as current as the server's snapshot; returns it or NULL
 * (then the pass loads its own). */
static struct population *held_population(struct server *s, struct db *db,
                                          struct held_population *hp)
{
    struct ok_err err;
    uint64_t version;
    ok_err_clear(&err);
    if (!snap_holder_acquire(&s->st.snap, db, &err)) {
        log_error("automation: %s", err.message);
        return NULL;
    }
    version = snap_holder_version(&s->st.snap);
    snap_holder_end(&s->st.snap);
    if (hp->loaded && hp->version == version && time(NULL) - hp->loaded_at < POPULATION_MAX_AGE)
        return &hp->pop;
    if (hp->loaded) {
        population_release(&hp->pop);
        hp->loaded = 0;
    }
    if (population_load(db, &hp->pop, INT32_MIN, &err) < 0) {
        log_error("automation: %s", err.message);
        return NULL;
    }
    hp->loaded = 1;
    hp->version = version;
    hp->loaded_at = time(NULL);
    return &hp->pop;
}

static void automation_pass(struct server *s, struct db *db, struct held_population *hp)
{
    struct automate_options o;
    struct automate_result res;
    struct ok_err err;
    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    ok_err_clear(&err);
    o.as_of = INT32_MIN;
    o.pop = held_population(s, db, hp);
    if (automate_run(db, &o, &res, &err) < 0) {
        log_error("automation: %s", err.message);
        return;
    }
    if (res.enrolled || res.exited || res.tasks || res.emails_queued || res.emails_sent ||
        res.emails_failed || res.recovered) {
        log_info("automation: %lld enrolled, %lld exited, %lld tasks, %lld e-mails sent, %lld "
                 "failed",
                 (long long)res.enrolled, (long long)res.exited, (long long)res.tasks,
                 (long long)res.emails_sent, (long long)res.emails_failed);
        /* enrollments, tasks, contacts and e-mails changed, none of them in the snapshot: a
         * new version (cached reports recompute), no reload */
        snap_holder_changed(&s->st.snap, snap_keep, NULL);
    }
    if (res.mail_error[0])
        log_error("automation: e-mail: %s", res.mail_error);
}

static void *automation_main(void *arg)
{
    struct server *s = arg;
    struct held_population hp;
    struct ok_err err;
    struct db *db;
    memset(&hp, 0, sizeof(hp));
    ok_err_clear(&err);
    db = db_open(s->cfg->db_target, 0, &err);
    if (!db) {
        log_error("automation: cannot open the database: %s", err.message);
        return NULL;
    }
    pthread_mutex_lock(&s->auto_mu);
    while (!s->auto_stop) {
        struct timespec until;
        pthread_mutex_unlock(&s->auto_mu);
        automation_pass(s, db, &hp);
        pthread_mutex_lock(&s->auto_mu);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->auto_interval;
        while (!s->auto_stop &&
               pthread_cond_timedwait(&s->auto_cv, &s->auto_mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&s->auto_mu);
    if (hp.loaded)
        population_release(&hp.pop);
    db_close(&db);
    return NULL;
}

/* ---- warming: the shared analytics computed ahead of the first request that needs them ---- */

/* How often the warming thread looks for writes, and so how long they must have paused. */
#define WARM_TICK_MS 300

/* On a large database the first report after a change (or after the start) computes the
 * analytics view of every customer and their value predictions: a second or more for a million
 * customers, which the first person to open the dashboard would wait for. This thread does it
 * as soon as the writes have paused for a tick, on its own connection. Writes by other processes
 * are still noticed by the next request (snap_holder_acquire), not here. */
static void *warm_main(void *arg)
{
    struct server *s = arg;
    struct ok_err err;
    uint64_t seen = UINT64_MAX, warmed = UINT64_MAX;
    struct db *db = db_open(s->cfg->db_target, 0, &err);
    if (!db) {
        log_error("warming: cannot open the database: %s", err.message);
        return NULL;
    }
    pthread_mutex_lock(&s->auto_mu);
    while (!s->auto_stop) {
        struct timespec until;
        uint64_t now = snap_holder_writes(&s->st.snap);
        if (now == seen && now != warmed) {
            pthread_mutex_unlock(&s->auto_mu);
            if (snap_holder_warm(&s->st.snap, db, &err) < 0)
                log_error("warming: %s", err.message);
            warmed = now;
            pthread_mutex_lock(&s->auto_mu);
        }
        seen = now;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WARM_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!s->auto_stop &&
               pthread_cond_timedwait(&s->auto_cv, &s->auto_mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&s->auto_mu);
    db_close(&db);
    return NULL;
}

/* OKAERI_AUTOMATE_INTERVAL: seconds between passes (default 60); "off" or 0 runs none. */
static int automation_interval(const struct http_config *cfg)
{
    const char *e = getenv("OKAERI_AUTOMATE_INTERVAL");
    char *end;
    long v;
    if (cfg->automate_interval)
        return cfg->automate_interval > 0 ? cfg->automate_interval : 0;
    if (!e || !*e)
        return 60;
    if (!strcmp(e, "off"))
        return 0;
    errno = 0;
    v = strtol(e, &end, 10);
    if (errno || *end || v < 0 || v > 86400) {
        log_error("OKAERI_AUTOMATE_INTERVAL must be seconds (1-86400) or off; using 60");
        return 60;
    }
    return (int)v;
}

/* Seconds an API token found live is cached (auth.h): the configured value, else
 * $OKAERI_TOKEN_CACHE ("off" or 0-3600), else 2. Short, because it is how long a token revoked
 * on another server stays usable here; long enough that busy clients skip the round trip. */
static int token_cache_seconds(const struct http_config *cfg)
{
    const char *e = getenv("OKAERI_TOKEN_CACHE");
    char *end;
    long v;
    if (cfg->token_cache)
        return cfg->token_cache > 0 ? cfg->token_cache : 0;
    if (!e || !*e)
        return 2;
    if (!strcmp(e, "off"))
        return 0;
    errno = 0;
    v = strtol(e, &end, 10);
    if (errno || *end || v < 0 || v > 3600) {
        log_error("OKAERI_TOKEN_CACHE must be seconds (0-3600) or off; using 2");
        return 2;
    }
    return (int)v;
}

/* Stops the automation and warming threads. */
static void automation_stop(struct server *s)
{
    pthread_mutex_lock(&s->auto_mu);
    s->auto_stop = 1;
    pthread_cond_broadcast(&s->auto_cv);
    pthread_mutex_unlock(&s->auto_mu);
    if (s->auto_started)
        pthread_join(s->auto_thread, NULL);
    if (s->warm_started)
        pthread_join(s->warm_thread, NULL);
    s->auto_started = s->warm_started = 0;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, struct ok_err *err)
{
    char host[256];
    const char *colon, *port;
    struct addrinfo hints, *res = NULL;
    int rc;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(close - listen - 1), listen + 1);
        port = close + 2;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
        port = colon + 1;
    }
    if (!*port)
        goto bad;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc != 0 || !res)
        goto bad;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
bad:
    return ok_err_set(err, OK_ERR_USAGE,
                      "--listen takes ADDRESS:PORT with a numeric address, e.g. 127.0.0.1:8080 or "
                      "[::1]:8080, not '%s'",
                      listen);
}

int http_serve(const struct http_config *cfg, struct ok_err *err)
{
    struct server s;
    struct sockaddr_storage addr;
    struct MHD_Daemon *d = NULL;
    struct db *db = NULL;
    struct changes *ch = NULL;
    sigset_t sigs, old;
    const union MHD_DaemonInfo *info;
    MHD_socket lsock;
    int threads = cfg->threads, sig = 0, rc = -1;
    size_t i;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    s.max_body = cfg->max_body ? cfg->max_body : (size_t)1 << 20;
    s.st.cookie_secure = cfg->cookie_secure;
    pthread_mutex_init(&s.mu, NULL);
    pthread_mutex_init(&s.auto_mu, NULL);
    pthread_cond_init(&s.auto_cv, NULL);
    atomic_init(&s.inflight, 0);
    if (parse_listen(cfg->listen, &addr, err) < 0)
        return -1;
    if (auth_init(err) < 0)
        return -1;
    auth_token_cache_enable(token_cache_seconds(cfg));
    /* Before any other connection opens, so that they all carry this process's origin and no
     * write between listening and loading the snapshot is missed (store/changes.h). */
    ch = changes_open(cfg->db_target, err);
    if (!ch)
        return -1;
    db = db_open(cfg->db_target, 0, err);
    if (!db || auth_purge(db, err) < 0 || snap_holder_init(&s.st.snap, db, err) < 0) {
        db_close(&db);
        changes_close(&ch);
        return -1;
    }
    if (threads <= 0) {
        /* SQLite answers inside the worker, so a worker per CPU keeps them busy. A PostgreSQL
         * worker waits for a round trip to the server on every query; while it waits, the
         * connections it holds wait too (their requests queue behind it), so more workers than
         * CPUs keep the CPUs busy and the tail latency short. Each holds one connection. */
        threads = ncpu > 2 ? (int)ncpu : 2;
        if (db_engine_of(db) == DB_ENGINE_POSTGRES)
            threads = 4 * threads;
    }
    db_close(&db);
    s.st.snap.changes = ch;

    /* Workers inherit this mask; the main thread waits for the signals with sigwait. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
        &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->max_connections > 0 ? cfg->max_connections : 512),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->timeout > 0 ? cfg->timeout : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!d) {
        ok_err_set(err, OK_ERR_IO, "cannot listen on %s: %s (is another server using it?)",
                   cfg->listen, strerror(errno));
        goto out;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    {
        char host[128] = "?";
        const char *colon =
            cfg->listen[0] == '[' ? strchr(cfg->listen, ']') + 1 : strrchr(cfg->listen, ':');
        snprintf(host, sizeof(host), "%.*s", (int)(colon - cfg->listen), cfg->listen);
        fprintf(cfg->announce ? cfg->announce : stdout,
                "okaeri: listening on http://%s:%u (%d threads)\n", host,
                info ? (unsigned)info->port : 0u, threads);
        fflush(cfg->announce ? cfg->announce : stdout);
    }
    s.auto_interval = automation_interval(cfg);
    if (s.auto_interval > 0) {
        if (pthread_create(&s.auto_thread, NULL, automation_main, &s) == 0)
            s.auto_started = 1;
        else
            log_error("automation: cannot start its thread");
    }
    if (pthread_create(&s.warm_thread, NULL, warm_main, &s) == 0)
        s.warm_started = 1;
    else
        log_error("warming: cannot start its thread");
    while (sigwait(&sigs, &sig) != 0)
        ;
    log_info("signal %d: stopping; waiting for requests in flight", sig);
    lsock = MHD_quiesce_daemon(d);
    automation_stop(&s);
    for (i = 0; i < 100 && atomic_load(&s.inflight) > 0; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    rc = 0;
out:
    for (i = 0; i < s.ndbs; i++)
        db_close(&s.dbs[i]);
    free(s.dbs);
    snap_holder_release(&s.st.snap);
    changes_close(&ch);
    pthread_mutex_destroy(&s.mu);
    pthread_mutex_destroy(&s.auto_mu);
    pthread_cond_destroy(&s.auto_cv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        log_info("stopped");
    return rc;
}

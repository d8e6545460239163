/*
 * http.h - what request handlers see: the request, the route table and reply helpers.
 *
 * The server (server.c) reads a request, the router (router.c) finds its route in the one route
 * table (routes.c), authenticates the caller, checks the route's permission and CSRF, validates
 * the query parameters and the JSON body against the route's declared fields, and only then
 * calls the handler. So a handler never sees an unknown field, a wrong type, a caller without the
 * right role or invalid UTF-8; it reads its inputs, calls the store, and writes JSON into r->out.
 * The same table generates /api/v1/openapi.json, so the documentation cannot drift.
 *
 * Errors are {"error":{"code","message","field"}} with a 4xx status (5xx only for bugs and
 * database trouble): http_fail() maps a struct ok_err to the status.
 */
#ifndef OK_HTTP_HTTP_H
#define OK_HTTP_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "http/auth.h"
#include "http/snap.h"
#include "store/store.h"

#define HTTP_MAX_PARAMS   4
#define HTTP_PAGE_DEFAULT 50
#define HTTP_PAGE_MAX     500

/* Who may call a route; each level includes the ones above it in the list. */
enum http_perm {
    PERM_PUBLIC,  /* anyone, even without logging in */
    PERM_READ,    /* any logged-in user (readonly and up) */
    PERM_STAFF,   /* staff and up: edit customers, orders, deals, activities, tasks */
    PERM_MANAGER, /* manager and up: playbooks, segments, goals, lists, imports, exports, audit */
    PERM_ADMIN    /* admin only: users and settings */
};

enum http_ftype { FT_STRING, FT_INT, FT_BOOL, FT_OBJECT, FT_NUMBER, FT_ARRAY };
enum { FF_REQUIRED = 1, FF_NULLABLE = 2 };

/* One field of a JSON request body, or one query parameter. */
struct http_field {
    const char *name;
    enum http_ftype type;
    unsigned flags; /* FF_* */
    const char *doc;
};

struct http_req;

struct http_route {
    const char *method;  /* GET, POST, PUT, PATCH, DELETE */
    const char *pattern; /* /api/v1/customers/{code}: {x} matches one segment */
    enum http_perm perm;
    void (*handler)(struct http_req *r);
    const char *tag; /* OpenAPI tag: the resource */
    const char *summary;
    const struct http_field *query; /* allowed query parameters, {NULL} terminated; NULL: none */
    const struct http_field *body;  /* JSON object fields, {NULL} terminated; NULL: no body */
    int status;                     /* success status (200, 201, 204) */
};

extern const struct http_route http_routes[];
extern const size_t http_route_count;

/* Server-wide state the handlers use. */
struct http_server_state {
    struct snap_holder snap;
    int cookie_secure; /* add Secure to cookies (behind TLS) */
};

struct http_req {
    struct http_server_state *srv;
    void *conn; /* struct MHD_Connection */
    const char *method;
    /* the path as sent, still percent-encoded when path_encoded is set (server.c): routes match
     * it segment by segment and each {x} segment is decoded after matching, so a customer code
     * with a '/' (sent as %2F) is one segment; otherwise already decoded (fuzz harness) */
    const char *path;
    int path_encoded;
    const struct http_route *route;
    char *params[HTTP_MAX_PARAMS]; /* {x} segments in order, owned */
    int nparams;
    char *body; /* request body (NUL-terminated), owned */
    size_t body_len;
    json_t *json; /* parsed body when the route takes one */
    struct db *db;
    struct auth_identity who;
    int authenticated;
    struct store_actor actor;
    char address[64];
    /* response */
    int status;
    struct buf out;
    char etag[48];
    char set_cookie[320];
    char location[256];
    /* a reply that is not JSON (CSV, SVG, XLSX downloads): its type, and the file name for
     * Content-Disposition: attachment ("" for none) */
    const char *content_type;
    char filename[128];
};

/* Writes prefix followed by seg percent-encoded (all but RFC 3986 unreserved characters) into
 * r->location, so that a code with '/', '?' or spaces gives a Location that routes back. */
void http_set_location(struct http_req *r, const char *prefix, const char *seg);
/* The i-th {x} segment of the path, decoded. */
const char *http_param(const struct http_req *r, int i);
/* A query parameter (decoded), or NULL. Borrowed for the request. */
const char *http_query(const struct http_req *r, const char *key);
/* All values of a repeatable query parameter (?map=a&map=b), at most max, into out (borrowed
 * for the request). Returns how many there were (may exceed max). */
size_t http_query_all(const struct http_req *r, const char *key, const char **out, size_t max);
/* A request header, or NULL. */
const char *http_header(const struct http_req *r, const char *name);

/* Replies {"error":...}; field may be NULL. */
void http_error(struct http_req *r, int status, const char *code, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Replies with the status for err's code (invalid 400, not_found 404, conflict 409, limit 429,
 * auth 401, forbidden 403, others 500) and err's message and field. */
void http_fail(struct http_req *r, const struct ok_err *err);

/* Body helpers (the router has checked types): string or NULL when absent or null. */
const char *http_body_str(const struct http_req *r, const char *name);
/* 1 when the field is present in the body (even as null). */
int http_body_has(const struct http_req *r, const char *name);
int64_t http_body_int(const struct http_req *r, const char *name, int64_t def);
int http_body_bool(const struct http_req *r, const char *name, int def);

/* Query helpers: parse an integer parameter in [min, max] (default def when absent); -1 after
 * replying 400. A date parameter in any date form (days since 1970). */
int http_query_int(struct http_req *r, const char *key, int64_t min, int64_t max, int64_t def,
                   int64_t *out);
int http_query_date(struct http_req *r, const char *key, int32_t *days, int *present);

/* Cursor pagination. A list reply is {"items":[...],"next_cursor":C} where C is null on the
 * last page; the cursor is opaque to clients (base64url of the store's key). */
struct http_page {
    struct http_req *r;
    int limit;      /* items per page */
    int n;          /* items written */
    int more;       /* one more item was seen: there is a next page */
    struct buf key; /* key of the last item written */
    char *cursor;   /* decoded cursor from ?cursor=, NULL for the first page (owned) */
};
/* Reads limit and cursor; -1 after replying 400. Writes {"items":[ to r->out. */
int http_page_begin(struct http_req *r, struct http_page *p);
/* For each item: returns 1 when the page is full (the caller stops, having seen one more),
 * else writes the separating comma and returns 0; the caller then appends the item to r->out
 * and sets p->key. */
int http_page_item(struct http_page *p);
/* Closes the array, writes next_cursor and replies 200. */
void http_page_end(struct http_page *p);
void http_page_release(struct http_page *p);

/* Day ("YYYY-MM-DD") or 0 when the body field is absent/null; -1 after replying 400. */
int http_body_date(struct http_req *r, const char *name, char out[11]);
/* Parses a positive id; -1 when s is not one. */
int http_parse_id(const char *s, int64_t *out);
/* The version the client edited: If-Match ("N", W/"N" or *) or the body's "version".
 * 1 found (*version set; *any for If-Match: *), 0 none, -1 after replying 400. */
int http_expected_version(struct http_req *r, int64_t *version, int *any);
/* Today in the business's time zone, from the shared snapshot's settings. */
int32_t http_today(struct http_req *r);
/* Renders CSV text (header line, then rows; RFC 4180 quotes) as {"columns":[...],"rows":[{..}]}
 * with numbers for cells that are numbers. */
void http_csv_to_json(const char *csv, size_t len, struct buf *out);

/* Routing, called by the server: finds the route, checks everything, runs the handler. */
void http_dispatch(struct http_req *r);
/* Matches method and path; *path_known is set when the path matches some route. */
const struct http_route *http_route_find(const char *method, const char *path,
                                         char *params[HTTP_MAX_PARAMS], int *nparams,
                                         int *path_known);
/* Name of a permission level ("public", "read", "staff", "manager", "admin"). */
const char *http_perm_name(enum http_perm p);

/* Handlers: one function per route, in h_*.c. */
void h_session_get(struct http_req *r);
void h_session_login(struct http_req *r);
void h_session_logout(struct http_req *r);
void h_tokens_list(struct http_req *r);
void h_tokens_create(struct http_req *r);
void h_tokens_revoke(struct http_req *r);
void h_customers_list(struct http_req *r);
void h_customers_create(struct http_req *r);
void h_customers_get(struct http_req *r);
void h_customers_update(struct http_req *r);
void h_customers_timeline(struct http_req *r);
void h_customers_value(struct http_req *r);
void h_customers_at_risk(struct http_req *r);
void h_orders_list(struct http_req *r);
void h_orders_create(struct http_req *r);
void h_orders_get(struct http_req *r);
void h_orders_update(struct http_req *r);
void h_orders_delete(struct http_req *r);
void h_deals_list(struct http_req *r);
void h_deals_create(struct http_req *r);
void h_deals_get(struct http_req *r);
void h_deals_win(struct http_req *r);
void h_deals_lose(struct http_req *r);
void h_deals_update(struct http_req *r);
void h_deals_reopen(struct http_req *r);
void h_products_list(struct http_req *r);
void h_products_create(struct http_req *r);
void h_products_get(struct http_req *r);
void h_products_update(struct http_req *r);
void h_activities_list(struct http_req *r);
void h_activities_create(struct http_req *r);
void h_activities_get(struct http_req *r);
void h_activities_delete(struct http_req *r);
void h_lists_get(struct http_req *r);
void h_lists_add(struct http_req *r);
void h_lists_update(struct http_req *r);
void h_lists_delete(struct http_req *r);
void h_users_list(struct http_req *r);
void h_users_create(struct http_req *r);
void h_users_get(struct http_req *r);
void h_users_update(struct http_req *r);
void h_settings_list(struct http_req *r);
void h_settings_get(struct http_req *r);
void h_settings_put(struct http_req *r);
void h_settings_reset(struct http_req *r);
void h_audit_list(struct http_req *r);
void h_reports_list(struct http_req *r);
void h_reports_get(struct http_req *r);
void h_contracts_list(struct http_req *r);
void h_contracts_create(struct http_req *r);
void h_contracts_get(struct http_req *r);
void h_contracts_update(struct http_req *r);
void h_contracts_renew(struct http_req *r);
void h_contracts_end(struct http_req *r);
void h_referrals_list(struct http_req *r);
void h_referrals_create(struct http_req *r);
void h_referrals_get(struct http_req *r);
void h_referrals_update(struct http_req *r);
void h_feedback_list(struct http_req *r);
void h_feedback_create(struct http_req *r);
void h_feedback_get(struct http_req *r);
void h_feedback_delete(struct http_req *r);
void h_tasks_list(struct http_req *r);
void h_tasks_create(struct http_req *r);
void h_tasks_get(struct http_req *r);
void h_tasks_update(struct http_req *r);
void h_tasks_complete(struct http_req *r);
void h_tasks_snooze(struct http_req *r);
void h_tasks_reassign(struct http_req *r);
void h_tasks_cancel(struct http_req *r);
void h_segments_list(struct http_req *r);
void h_segments_create(struct http_req *r);
void h_segments_check(struct http_req *r);
void h_segments_get(struct http_req *r);
void h_segments_update(struct http_req *r);
void h_segments_delete(struct http_req *r);
void h_segments_count(struct http_req *r);
void h_segments_members(struct http_req *r);
void h_segments_export(struct http_req *r);
void h_playbooks_list(struct http_req *r);
void h_playbooks_create(struct http_req *r);
void h_playbooks_get(struct http_req *r);
void h_playbooks_update(struct http_req *r);
void h_playbooks_enroll(struct http_req *r);
void h_playbooks_exit(struct http_req *r);
void h_playbooks_enrollments(struct http_req *r);
void h_automation_run(struct http_req *r);
void h_automation_stats(struct http_req *r);
void h_automation_lost_reasons(struct http_req *r);
void h_clv_fit(struct http_req *r);
void h_clv_predict(struct http_req *r);
void h_clv_validate(struct http_req *r);
void h_imports_create(struct http_req *r);
void h_exports_get(struct http_req *r);
void h_openapi(struct http_req *r);
/* GET/POST /unsubscribe?token=...: outside /api/v1, no login; replies a small HTML page. */
void h_unsubscribe(struct http_req *r);
void h_health(struct http_req *r);

#endif

/*
 * h_openapi.c - /api/v1/openapi.json, generated from the route table (routes.c) so that it
 * always describes exactly what the router does: paths, methods, permissions (x-permission),
 * query parameters, body fields (unknown ones are rejected: additionalProperties false) and
 * the error shape.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "http/http.h"
#include "core/banned.h"

static char *document;
static size_t document_len;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static json_t *field_schema(const struct http_field *f)
{
    static const char *const types[] = {"string", "integer", "boolean",
                                        "object", "number",  "array"};
    json_t *s = json_object();
    if (f->flags & FF_NULLABLE) {
        json_object_set_new(s, "type", json_pack("[s,s]", types[f->type], "null"));
    } else {
        json_object_set_new(s, "type", json_string(types[f->type]));
    }
    if (f->doc)
        json_object_set_new(s, "description", json_string(f->doc));
    return s;
}

static json_t *error_response(const char *what)
{
    return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", what, "content", "application/json",
                     "schema", "$ref", "#/components/schemas/Error");
}

static json_t *operation(const struct http_route *rt)
{
    json_t *op = json_object(), *params = json_array(), *responses = json_object();
    const char *p;
    const struct http_field *f;
    char code[8], opid[200];
    size_t k = 0;
    /* operationId: method and the pattern's words, e.g. get_customers_code_timeline */
    for (p = rt->method; *p && k + 1 < sizeof(opid); p++)
        opid[k++] = (char)(*p | 0x20);
    for (p = rt->pattern + strlen("/api/v1"); *p && k + 1 < sizeof(opid); p++)
        if (*p == '/' || *p == '.')
            opid[k++] = '_';
        else if (*p != '{' && *p != '}')
            opid[k++] = *p;
    opid[k] = '\0';
    json_object_set_new(op, "operationId", json_string(opid));
    json_object_set_new(op, "summary", json_string(rt->summary));
    json_object_set_new(op, "tags", json_pack("[s]", rt->tag));
    json_object_set_new(op, "x-permission", json_string(http_perm_name(rt->perm)));
    for (p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1,
                                                (size_t)(e - p - 1), "in", "path", "required", 1,
                                                "schema", "type", "string"));
    }
    for (f = rt->query; f && f->name; f++) {
        json_t *q = json_pack("{s:s,s:s,s:b}", "name", f->name, "in", "query", "required", 0);
        json_t *sch = field_schema(f);
        json_object_set_new(q, "description", json_string(f->doc));
        json_object_del(sch, "description");
        json_object_set_new(q, "schema", sch);
        json_array_append_new(params, q);
    }
    if (!strcmp(rt->pattern, "/api/v1/customers/{code}") && !strcmp(rt->method, "PATCH"))
        json_array_append_new(params,
                              json_pack("{s:s,s:s,s:s,s:{s:s}}", "name", "If-Match", "in", "header",
                                        "description", "the ETag of the customer as read", "schema",
                                        "type", "string"));
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (rt->body) {
        json_t *props = json_object(), *req = json_array();
        for (f = rt->body; f->name; f++) {
            json_object_set_new(props, f->name, field_schema(f));
            if (f->flags & FF_REQUIRED)
                json_array_append_new(req, json_string(f->name));
        }
        json_t *schema = json_pack("{s:s,s:o,s:b}", "type", "object", "properties", props,
                                   "additionalProperties", 0);
        if (json_array_size(req))
            json_object_set_new(schema, "required", req);
        else
            json_decref(req);
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content",
                                      "application/json", "schema", schema));
    }
    snprintf(code, sizeof(code), "%d", rt->status);
    if (rt->status == 204)
        json_object_set_new(responses, code, json_pack("{s:s}", "description", "done"));
    else
        json_object_set_new(responses, code,
                            json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "success", "content",
                                      "application/json", "schema", "type", "object"));
    json_object_set_new(responses, "400", error_response("invalid input; error.field names it"));
    if (rt->perm != PERM_PUBLIC) {
        json_object_set_new(responses, "401", error_response("not logged in"));
        json_object_set_new(responses, "403", error_response("role not allowed, or bad CSRF"));
    } else {
        json_object_set_new(op, "security", json_array());
    }
    if (strchr(rt->pattern, '{'))
        json_object_set_new(responses, "404", error_response("no such record"));
    if (strcmp(rt->method, "GET") != 0)
        json_object_set_new(responses, "409",
                            error_response("conflict (duplicate, edited "
                                           "meanwhile, not allowed now)"));
    if (rt->body)
        json_object_set_new(responses, "413", error_response("body too large"));
    if (rt->handler == h_session_login)
        json_object_set_new(responses, "429", error_response("too many failed logins"));
    if (rt->handler == h_customers_update)
        json_object_set_new(responses, "428", error_response("no If-Match and no version"));
    json_object_set_new(op, "responses", responses);
    return op;
}

static void build(void)
{
    json_t *doc, *paths = json_object();
    size_t i;
    char method[8];
    for (i = 0; i < http_route_count; i++) {
        const struct http_route *rt = &http_routes[i];
        json_t *item = json_object_get(paths, rt->pattern);
        size_t k;
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        for (k = 0; rt->method[k] && k + 1 < sizeof(method); k++)
            method[k] = (char)(rt->method[k] | 0x20);
        method[k] = '\0';
        json_object_set_new(item, method, operation(rt));
    }
    doc = json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o,s:{s:{s:{s:s,s:s},s:{s:s,s:s,s:s}},s:{s:{s:s,s:{s:{s:"
        "s,s:{s:{s:s},s:{s:s},s:{s:[s,s]}}}}}}},s:[{s:[]},{s:[]}]}",
        "openapi", "3.0.3", "info", "title", "okaeri API", "version", "1", "description",
        "Customer-retention CRM. Log in with POST /api/v1/session (cookie + "
        "X-CSRF-Token) or send Authorization: Bearer TOKEN. Errors are "
        "{\"error\":{\"code\",\"message\",\"field\"}}. Lists are "
        "{\"items\":[...],\"next_cursor\":...}.",
        "servers", "url", "/", "paths", paths, "components", "securitySchemes", "bearer", "type",
        "http", "scheme", "bearer", "cookie", "type", "apiKey", "in", "cookie", "name",
        "okaeri_session", "schemas", "Error", "type", "object", "properties", "error", "type",
        "object", "properties", "code", "type", "string", "message", "type", "string", "field",
        "type", "string", "null", "security", "bearer", "cookie");
    if (!doc) {
        document = xstrdup("{}");
        document_len = 2;
        return;
    }
    document = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    document_len = document ? strlen(document) : 0;
    json_decref(doc);
}

void h_openapi(struct http_req *r)
{
    pthread_once(&once, build);
    buf_append(&r->out, document, document_len);
}

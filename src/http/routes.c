/*
 * routes.c - THE route table: every endpoint of /api/v1 with its permission, query parameters
 * and body fields. The router enforces what is written here and /api/v1/openapi.json is
 * generated from it; docs/permissions.md describes the same table.
 */
#include <stddef.h>

#include "http/http.h"
#include "core/banned.h"

#define END {NULL, FT_STRING, 0, NULL}
#define PAGE                                                                                       \
    {"limit", FT_INT, 0, "items per page, 1-500 (default 50)"},                                    \
        {"cursor", FT_STRING, 0, "next_cursor of the previous page"}
#define S(name, doc) {name, FT_STRING, FF_NULLABLE, doc}
#define SR(name, doc) {name, FT_STRING, FF_REQUIRED, doc}
#define I(name, doc) {name, FT_INT, FF_NULLABLE, doc}

static const struct http_field q_page[] = {PAGE, END};
static const struct http_field q_customers[] = {
    {"search", FT_STRING, 0, "code, name, kana, phone or e-mail; NFKC-folded (ﾔﾏﾀﾞ finds ヤマダ)"},
    {"owner", FT_STRING, 0, "owner login; '-' for team-handled customers"},
    PAGE,
    END};
static const struct http_field q_orders[] = {
    {"customer", FT_STRING, 0, "customer code"},
    {"from", FT_STRING, 0, "first day (any date form)"},
    {"to", FT_STRING, 0, "last day, inclusive"},
    PAGE,
    END};
static const struct http_field q_deals[] = {{"customer", FT_STRING, 0, "customer code"},
                                            {"stage", FT_STRING, 0, "open, won or lost"},
                                            {"lost_reason", FT_STRING, 0, "lost reason code"},
                                            PAGE,
                                            END};
static const struct http_field q_products[] = {{"category", FT_STRING, 0, "category"},
                                               {"search", FT_STRING, 0, "part of sku or name"},
                                               PAGE,
                                               END};
static const struct http_field q_activities[] = {
    {"customer", FT_STRING, 0, "customer code"},
    {"user", FT_STRING, 0, "login of who made the contact"},
    {"channel", FT_STRING, 0, "phone, email, visit, letter, line, sms, other"},
    {"deal_id", FT_INT, 0, "deal id"},
    {"since", FT_STRING, 0, "occurred at or after"},
    {"until", FT_STRING, 0, "occurred before"},
    PAGE,
    END};
static const struct http_field q_users[] = {
    {"role", FT_STRING, 0, "admin, manager, staff or readonly"},
    {"include_disabled", FT_BOOL, 0, "true to list disabled users too"},
    PAGE,
    END};
static const struct http_field q_lists[] = {
    {"include_inactive", FT_BOOL, 0, "true to list deactivated values too"}, END};
static const struct http_field q_audit[] = {{"entity", FT_STRING, 0, "customer, order, deal, ..."},
                                            {"entity_id", FT_INT, 0, "id of the entity"},
                                            {"user", FT_STRING, 0, "login of who acted"},
                                            {"action", FT_STRING, 0, "create, update, ..."},
                                            {"since", FT_STRING, 0, "at or after (date/time)"},
                                            {"until", FT_STRING, 0, "before (date/time)"},
                                            PAGE,
                                            END};
static const struct http_field q_report[] = {
    {"as_of", FT_STRING, 0, "compute as of this day (default: today in the business's zone)"},
    {"from", FT_STRING, 0, "first day of the period (reports over a range)"},
    {"to", FT_STRING, 0, "last day of the period"},
    {"state", FT_STRING, 0, "inventory state filter (active, sleeping, dead, ...)"},
    END};

static const struct http_field b_login[] = {SR("login", "user login"),
                                            SR("password", "the user's password"), END};
static const struct http_field b_token[] = {
    SR("name", "what the token is for, e.g. 'POS sync'"),
    {"expires_in_days", FT_INT, 0, "days until it expires; 0 or absent: never"},
    END};

#define CUSTOMER_FIELDS                                                                            \
    S("kind", "person or company"), S("name_kana", "reading, e.g. ヤマダ タロウ"),                  \
        S("company", "company name"), S("email", "e-mail address"), S("phone", "phone number"),   \
        S("postal_code", "postal code"), S("address", "address"),                                  \
        S("birthday", "YYYY-MM-DD (any date form accepted)"),                                      \
        S("source", "acquisition channel"), S("referred_by", "code of the referring customer"),   \
        S("owner", "login of the staff member in charge; null: team-handled"),                     \
        S("tags", "comma-separated tags"),                                                         \
        {"attributes", FT_OBJECT, FF_NULLABLE, "custom attributes"},                               \
        {"email_consent", FT_BOOL, 0, "consent to marketing e-mail"},                              \
        S("cause", "why sleeping/dead (causes list code)"), S("cause_note", "note on the cause")
static const struct http_field b_customer_new[] = {
    SR("code", "the business's own customer id (unique)"), SR("name", "name as written"),
    CUSTOMER_FIELDS, END};
static const struct http_field b_customer_edit[] = {
    S("name", "name as written"), CUSTOMER_FIELDS,
    {"version", FT_INT, 0, "the version edited (instead of If-Match)"}, END};
static const struct http_field b_order[] = {
    SR("order_code", "order (slip) code; lines share it"),
    I("line_no", "line number; absent: the next free one"),
    SR("customer_code", "customer code"),
    SR("ordered_at", "date or date-time of the order"),
    S("product", "product sku"),
    I("quantity", "quantity (default 1; negative for a return)"),
    I("unit_price", "unit price in minor units"),
    I("amount", "line amount in minor units (default quantity × unit price)"),
    S("channel", "sales channel"),
    S("store", "store"),
    S("original_code", "for a return: the order it reverses"),
    END};
static const struct http_field b_deal[] = {
    S("code", "optional business id"),
    SR("customer_code", "customer code"),
    S("kind", "new, renewal, upsell, cross_sell, referral"),
    S("title", "title"),
    I("amount", "expected amount in minor units"),
    S("opened_at", "day opened (default today)"),
    S("owner", "login of the owner"),
    S("trigger", "triggers list code: what prompted it"),
    S("product", "product sku"),
    END};
static const struct http_field b_deal_win[] = {
    S("closed_on", "day won (default today)"),
    I("amount", "final amount in minor units (default: the deal's)"), END};
static const struct http_field b_deal_lose[] = {SR("reason", "lost reason code or label"),
                                                S("note", "what the customer said"),
                                                S("closed_on", "day lost (default today)"), END};
static const struct http_field b_product_new[] = {
    SR("sku", "the product's code"), SR("name", "name"), S("category", "category"),
    I("price", "list price in minor units"), S("tags", "comma-separated tags"), END};
static const struct http_field b_product_edit[] = {
    S("sku", "new code"), S("name", "name"), S("category", "category"),
    I("price", "list price in minor units"), S("tags", "comma-separated tags"), END};
static const struct http_field b_activity[] = {
    S("code", "optional business id"),
    SR("customer_code", "customer code"),
    S("user", "login of who made the contact (default: the caller)"),
    S("occurred_at", "date-time (default now)"),
    SR("channel", "phone, email, visit, letter, line, sms, other"),
    S("direction", "in or out (default out)"),
    S("subject", "subject"),
    S("body", "notes"),
    S("outcome", "outcome"),
    I("deal_id", "deal it belongs to"),
    I("task_id", "task it completes"),
    END};
static const struct http_field b_list_add[] = {SR("code", "a-z 0-9 _, up to 40"),
                                               SR("label_ja", "Japanese label"),
                                               S("label_en", "English label"), END};
static const struct http_field b_list_edit[] = {
    S("label_ja", "Japanese label"), S("label_en", "English label"),
    {"active", FT_BOOL, 0, "false: no longer offered for new records"}, END};
static const struct http_field b_user_new[] = {
    SR("login", "1-64 of A-Z a-z 0-9 . _ - @"), S("display_name", "name shown"),
    S("email", "e-mail"), S("role", "admin, manager, staff (default) or readonly"),
    S("password", "initial password (8+ characters); absent: cannot log in yet"), END};
static const struct http_field b_user_edit[] = {
    S("display_name", "name shown"), S("email", "e-mail"),
    S("role", "admin, manager, staff or readonly"),
    S("password", "new password; null removes it (ends all sessions)"),
    {"disabled", FT_BOOL, 0, "true disables the user (ends all sessions)"}, END};
static const struct http_field b_setting[] = {SR("value", "the new value, as text"), END};

#define API "/api/v1"

const struct http_route http_routes[] = {
    {"GET", API "/health", PERM_PUBLIC, h_health, "meta", "liveness check", NULL, NULL, 200},
    {"GET", API "/openapi.json", PERM_PUBLIC, h_openapi, "meta", "this API as OpenAPI 3", NULL,
     NULL, 200},

    {"GET", API "/session", PERM_READ, h_session_get, "session",
     "who is logged in, and the CSRF token", NULL, NULL, 200},
    {"POST", API "/session", PERM_PUBLIC, h_session_login, "session",
     "log in: sets the session cookie, returns the CSRF token", NULL, b_login, 200},
    {"DELETE", API "/session", PERM_READ, h_session_logout, "session", "log out", NULL, NULL,
     204},
    {"GET", API "/tokens", PERM_READ, h_tokens_list, "tokens", "the caller's API tokens", NULL,
     NULL, 200},
    {"POST", API "/tokens", PERM_READ, h_tokens_create, "tokens",
     "create an API token (shown once)", NULL, b_token, 201},
    {"DELETE", API "/tokens/{id}", PERM_READ, h_tokens_revoke, "tokens", "revoke an API token",
     NULL, NULL, 204},

    {"GET", API "/customers", PERM_READ, h_customers_list, "customers",
     "list and search customers (code order)", q_customers, NULL, 200},
    {"POST", API "/customers", PERM_STAFF, h_customers_create, "customers", "add a customer",
     NULL, b_customer_new, 201},
    {"GET", API "/customers/{code}", PERM_READ, h_customers_get, "customers",
     "one customer (ETag: its version)", NULL, NULL, 200},
    {"PATCH", API "/customers/{code}", PERM_STAFF, h_customers_update, "customers",
     "edit a customer (If-Match or version required; 409 when changed meanwhile)", NULL,
     b_customer_edit, 200},
    {"GET", API "/customers/{code}/timeline", PERM_READ, h_customers_timeline, "customers",
     "orders, deals, contracts, referrals, activities, feedback and tasks, newest first", q_page,
     NULL, 200},

    {"GET", API "/orders", PERM_READ, h_orders_list, "orders", "order lines (id order)",
     q_orders, NULL, 200},
    {"POST", API "/orders", PERM_STAFF, h_orders_create, "orders",
     "add an order line (reports count it at once)", NULL, b_order, 201},

    {"GET", API "/deals", PERM_READ, h_deals_list, "deals", "deals (id order)", q_deals, NULL,
     200},
    {"POST", API "/deals", PERM_STAFF, h_deals_create, "deals", "open a deal", NULL, b_deal, 201},
    {"GET", API "/deals/{id}", PERM_READ, h_deals_get, "deals", "one deal (by id or code)", NULL,
     NULL, 200},
    {"POST", API "/deals/{id}/win", PERM_STAFF, h_deals_win, "deals", "close a deal as won",
     NULL, b_deal_win, 200},
    {"POST", API "/deals/{id}/lose", PERM_STAFF, h_deals_lose, "deals",
     "close a deal as lost, with a reason", NULL, b_deal_lose, 200},

    {"GET", API "/products", PERM_READ, h_products_list, "products", "products (sku order)",
     q_products, NULL, 200},
    {"POST", API "/products", PERM_MANAGER, h_products_create, "products", "add a product",
     NULL, b_product_new, 201},
    {"GET", API "/products/{sku}", PERM_READ, h_products_get, "products", "one product", NULL,
     NULL, 200},
    {"PATCH", API "/products/{sku}", PERM_MANAGER, h_products_update, "products",
     "edit a product", NULL, b_product_edit, 200},

    {"GET", API "/activities", PERM_READ, h_activities_list, "activities",
     "contact history, newest first", q_activities, NULL, 200},
    {"POST", API "/activities", PERM_STAFF, h_activities_create, "activities",
     "record a contact", NULL, b_activity, 201},
    {"GET", API "/activities/{id}", PERM_READ, h_activities_get, "activities", "one activity",
     NULL, NULL, 200},
    {"DELETE", API "/activities/{id}", PERM_STAFF, h_activities_delete, "activities",
     "delete an activity recorded by mistake", NULL, NULL, 204},

    {"GET", API "/lists/{list}", PERM_READ, h_lists_get, "lists",
     "values of lost_reasons, causes or triggers", q_lists, NULL, 200},
    {"POST", API "/lists/{list}", PERM_MANAGER, h_lists_add, "lists", "add a value", NULL,
     b_list_add, 201},
    {"PATCH", API "/lists/{list}/{code}", PERM_MANAGER, h_lists_update, "lists",
     "rename, deactivate or reactivate a value", NULL, b_list_edit, 200},
    {"DELETE", API "/lists/{list}/{code}", PERM_MANAGER, h_lists_delete, "lists",
     "delete a value no record uses", NULL, NULL, 204},

    {"GET", API "/users", PERM_ADMIN, h_users_list, "users", "users (login order)", q_users, NULL,
     200},
    {"POST", API "/users", PERM_ADMIN, h_users_create, "users", "add a user", NULL, b_user_new,
     201},
    {"GET", API "/users/{login}", PERM_ADMIN, h_users_get, "users", "one user", NULL, NULL, 200},
    {"PATCH", API "/users/{login}", PERM_ADMIN, h_users_update, "users",
     "edit, change role or password, disable or enable a user", NULL, b_user_edit, 200},

    {"GET", API "/settings", PERM_READ, h_settings_list, "settings",
     "all settings with values and defaults", NULL, NULL, 200},
    {"GET", API "/settings/{key}", PERM_READ, h_settings_get, "settings", "one setting", NULL,
     NULL, 200},
    {"PUT", API "/settings/{key}", PERM_ADMIN, h_settings_put, "settings", "change a setting",
     NULL, b_setting, 200},
    {"DELETE", API "/settings/{key}", PERM_ADMIN, h_settings_reset, "settings",
     "reset a setting to its default", NULL, NULL, 200},

    {"GET", API "/audit", PERM_MANAGER, h_audit_list, "audit",
     "who changed what, newest first, with before and after", q_audit, NULL, 200},

    {"GET", API "/reports", PERM_READ, h_reports_list, "reports", "the available reports", NULL,
     NULL, 200},
    {"GET", API "/reports/{name}", PERM_READ, h_reports_get, "reports",
     "one report as a table (same columns as `okaeri report NAME --format json`)", q_report,
     NULL, 200},
};

const size_t http_route_count = sizeof(http_routes) / sizeof(http_routes[0]);

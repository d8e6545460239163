/*
 * routes.c - THE route table: every endpoint of /api/v1 with its permission, query parameters
 * and body fields. The router enforces what is written here and /api/v1/openapi.json is
 * generated from it; docs/permissions.md describes the same table.
 */
#include <stddef.h>

#include "http/http.h"
#include "core/banned.h"

#define END                                                                                        \
    {                                                                                              \
        NULL, FT_STRING, 0, NULL                                                                   \
    }
#define PAGE                                                                                       \
    {"limit", FT_INT, 0, "items per page, 1-500 (default 50)"},                                    \
    {                                                                                              \
        "cursor", FT_STRING, 0, "next_cursor of the previous page"                                 \
    }
#define S(name, doc)                                                                               \
    {                                                                                              \
        name, FT_STRING, FF_NULLABLE, doc                                                          \
    }
#define SR(name, doc)                                                                              \
    {                                                                                              \
        name, FT_STRING, FF_REQUIRED, doc                                                          \
    }
#define I(name, doc)                                                                               \
    {                                                                                              \
        name, FT_INT, FF_NULLABLE, doc                                                             \
    }

static const struct http_field q_page[] = {PAGE, END};
static const struct http_field q_customers[] = {
    {"search", FT_STRING, 0, "code, name, kana, phone or e-mail; NFKC-folded (ﾔﾏﾀﾞ finds ヤマダ)"},
    {"owner", FT_STRING, 0, "owner login; '-' for team-handled customers"},
    PAGE,
    END};
static const struct http_field q_at_risk[] = {{"limit", FT_INT, 0, "how many, 1-100 (default 10)"},
                                              END};
static const struct http_field q_orders[] = {{"customer", FT_STRING, 0, "customer code"},
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

static const struct http_field q_report_plan[] = {
    {"as_of", FT_STRING, 0, "compute as of this day (default: today in the business's zone)"},
    {"from", FT_STRING, 0, "first day of the period (reports over a range)"},
    {"to", FT_STRING, 0, "last day of the period"},
    {"state", FT_STRING, 0, "inventory state filter (active, sleeping, dead, ...)"},
    {"revenue", FT_NUMBER, 0, "plan: revenue goal (major units)"},
    {"leads", FT_NUMBER, 0, "plan: leads"},
    {"conversion", FT_NUMBER, 0, "plan: conversion rate (0-1)"},
    {"unit_price", FT_NUMBER, 0, "plan: average order value (major units)"},
    {"scenario", FT_STRING, 0, "plan: a further scenario NAME:key=value,... (repeatable, up to 8)"},
    {"leads_per_year", FT_NUMBER, 0, "lost-pool: leads per year"},
    {"won_per_year", FT_NUMBER, 0, "lost-pool: deals won per year"},
    {"years", FT_NUMBER, 0, "lost-pool: years"},
    {"cost", FT_NUMBER, 0, "payback: cost of the retention effort (major units)"},
    {"saved_per_day", FT_NUMBER, 0, "payback: customers kept per day"},
    {"days", FT_NUMBER, 0, "payback: days"},
    END};
static const struct http_field q_contracts[] = {
    {"customer", FT_STRING, 0, "customer code"},
    {"ending_from", FT_STRING, 0, "ending on or after (any date form)"},
    {"ending_to", FT_STRING, 0, "ending on or before"},
    {"open_only", FT_BOOL, 0, "true: neither renewed nor ended"},
    PAGE,
    END};
static const struct http_field q_referrals[] = {
    {"referrer", FT_STRING, 0, "code of the referring customer"},
    {"referred", FT_STRING, 0, "code of the referred customer"},
    {"from", FT_STRING, 0, "referred on or after"},
    {"to", FT_STRING, 0, "referred on or before"},
    PAGE,
    END};
static const struct http_field q_feedback[] = {
    {"customer", FT_STRING, 0, "customer code"},
    {"kind", FT_STRING, 0, "need, complaint, idea, testimonial, satisfaction"},
    {"from", FT_STRING, 0, "received on or after"},
    {"to", FT_STRING, 0, "received on or before"},
    PAGE,
    END};
static const struct http_field q_tasks[] = {
    {"view", FT_STRING, 0,
     "today, overdue, actionable (today and overdue), upcoming or all (default)"},
    {"assignee", FT_STRING, 0, "login; 'me' for the caller; '-' for the team queue"},
    {"queue", FT_STRING, 0, "team queue name"},
    {"status", FT_STRING, 0, "open, done or cancelled"},
    {"customer", FT_STRING, 0, "customer code"},
    {"due_from", FT_STRING, 0, "due on or after"},
    {"due_to", FT_STRING, 0, "due on or before"},
    {"as_of", FT_STRING, 0, "the day 'today' means (default: today in the business's zone)"},
    PAGE,
    END};
static const struct http_field q_segments[] = {
    {"search", FT_STRING, 0, "part of the name"}, PAGE, END};
static const struct http_field q_as_of[] = {
    {"as_of", FT_STRING, 0, "evaluate as of this day (default today)"}, END};
static const struct http_field q_members[] = {
    {"as_of", FT_STRING, 0, "evaluate as of this day (default today)"}, PAGE, END};
static const struct http_field q_playbooks[] = {
    {"trigger", FT_STRING, 0, "trigger kind"},
    {"active_only", FT_BOOL, 0, "true: only active playbooks"},
    PAGE,
    END};
static const struct http_field q_enrollments[] = {
    {"customer", FT_STRING, 0, "customer code"},
    {"status", FT_STRING, 0, "active, completed or exited"},
    PAGE,
    END};
static const struct http_field q_stats[] = {
    {"days", FT_INT, 0, "conversion window after a contact, days (default 90)"}, END};
static const struct http_field q_clv_predict[] = {
    {"horizon", FT_INT, 0, "days ahead (default 365)"},
    {"discount", FT_STRING, 0, "annual discount rate, 0.1 or 10% (default 0)"},
    {"as_of", FT_STRING, 0, "predict from this day (default today)"},
    {"model", FT_STRING, 0, "counting model: bgnbd (default), pnbd or mbgnbd"},
    {"customer", FT_STRING, 0, "only this customer"},
    PAGE,
    END};
static const struct http_field q_clv_validate[] = {
    {"calibration_end", FT_STRING, FF_REQUIRED, "last day of the calibration period"},
    {"holdout_end", FT_STRING, 0, "last day of the holdout (default: the last order)"},
    {"model", FT_STRING, 0, "bgnbd (default), pnbd or mbgnbd"},
    {"unit", FT_STRING, 0, "day or week (default)"},
    {"format", FT_STRING, 0, "json (default) or svg (the plot)"},
    END};
static const struct http_field q_import[] = {
    {"kind", FT_STRING, FF_REQUIRED,
     "customers, orders, deals, contracts, referrals, activities, feedback or products"},
    {"format", FT_STRING, 0, "auto (default), csv, tsv or xlsx"},
    {"encoding", FT_STRING, 0, "auto (default), utf-8 or cp932"},
    {"sheet", FT_STRING, 0, "xlsx: sheet name (default the first)"},
    {"dry_run", FT_BOOL, 0, "true: do everything, then roll back (exact counts, preview)"},
    {"on_error", FT_STRING, 0, "stop (default: any bad row, nothing written) or skip"},
    {"create_customers", FT_BOOL, 0, "orders: unknown customer codes become customers"},
    {"cancel_prefix", FT_STRING, 0, "orders: codes starting with it are cancellations"},
    {"date_format", FT_STRING, 0, "e.g. %m/%d/%Y (default: every date form)"},
    {"map", FT_STRING, 0, "FIELD=COLUMN (repeatable)"},
    {"filename", FT_STRING, 0, "name of the file sent as a raw body (its extension is a hint)"},
    END};
static const struct http_field q_export[] = {
    {"format", FT_STRING, 0, "csv (default) or xlsx"},
    {"encoding", FT_STRING, 0, "CSV: utf-8 (default), utf-8-bom (Excel) or cp932"},
    {"columns", FT_STRING, 0, "comma-separated subset and order of columns"},
    {"with_metrics", FT_BOOL, 0, "customers: add the analytics metrics"},
    {"as_of", FT_STRING, 0, "metrics as of this day (default today)"},
    END};

static const struct http_field b_login[] = {SR("login", "user login"),
                                            SR("password", "the user's password"), END};
static const struct http_field b_token[] = {
    SR("name", "what the token is for, e.g. 'POS sync'"),
    {"expires_in_days", FT_INT, 0, "days until it expires; 0 or absent: never"},
    END};

#define CUSTOMER_FIELDS                                                                            \
    S("kind", "person or company"), S("name_kana", "reading, e.g. ヤマダ タロウ"),                 \
        S("company", "company name"), S("email", "e-mail address"), S("phone", "phone number"),    \
        S("postal_code", "postal code"), S("address", "address"),                                  \
        S("birthday", "YYYY-MM-DD (any date form accepted)"), S("source", "acquisition channel"),  \
        S("referred_by", "code of the referring customer"),                                        \
        S("owner", "login of the staff member in charge; null: team-handled"),                     \
        S("tags", "comma-separated tags"),                                                         \
        {"attributes", FT_OBJECT, FF_NULLABLE, "custom attributes"},                               \
        {"email_consent", FT_BOOL, 0, "consent to marketing e-mail"},                              \
        S("cause", "why sleeping/dead (causes list code)"), S("cause_note", "note on the cause")
static const struct http_field b_customer_new[] = {
    SR("code", "the business's own customer id (unique)"), SR("name", "name as written"),
    CUSTOMER_FIELDS, END};
static const struct http_field b_customer_edit[] = {
    S("name", "name as written"),
    CUSTOMER_FIELDS,
    {"version", FT_INT, 0, "the version edited (instead of If-Match)"},
    END};
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
static const struct http_field b_order_edit[] = {
    S("ordered_at", "date or date-time of the order"),
    S("product", "product sku; null: none"),
    I("quantity", "quantity (negative for a return)"),
    I("unit_price", "unit price in minor units; null: none"),
    I("amount", "line amount in minor units; absent with a new quantity or unit price, or null: "
                "quantity × unit price"),
    S("channel", "sales channel"),
    S("store", "store"),
    {"version", FT_INT, 0, "the version edited (instead of If-Match)"},
    END};
static const struct http_field q_order_delete[] = {
    {"version", FT_INT, 0, "the version deleted (instead of If-Match)"}, END};
static const struct http_field b_deal_edit[] = {
    S("title", "title"),
    S("kind", "new, renewal, upsell, cross_sell, referral"),
    I("amount", "amount in minor units"),
    S("opened_at", "day opened (not after the day it closed)"),
    S("owner", "login of the owner; null: none"),
    S("trigger", "triggers list code; null: none"),
    S("product", "product sku; null: none"),
    {"version", FT_INT, 0, "the version edited (instead of If-Match)"},
    END};
static const struct http_field b_deal_reopen[] = {
    S("opened_on", "day reopened (default today; not before the loss)"),
    {"version", FT_INT, 0, "the lost deal's version, checked when given (or If-Match)"},
    END};
static const struct http_field b_deal[] = {S("code", "optional business id"),
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
    SR("sku", "the product's code"),   SR("name", "name"),
    S("category", "category"),         I("price", "list price in minor units"),
    S("tags", "comma-separated tags"), END};
static const struct http_field b_product_edit[] = {S("sku", "new code"),
                                                   S("name", "name"),
                                                   S("category", "category"),
                                                   I("price", "list price in minor units"),
                                                   S("tags", "comma-separated tags"),
                                                   END};
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
    S("label_ja", "Japanese label"),
    S("label_en", "English label"),
    {"active", FT_BOOL, 0, "false: no longer offered for new records"},
    END};
static const struct http_field b_user_new[] = {
    SR("login", "1-64 of A-Z a-z 0-9 . _ - @"),
    S("display_name", "name shown"),
    S("email", "e-mail"),
    S("role", "admin, manager, staff (default) or readonly"),
    S("password", "initial password (8+ characters); absent: cannot log in yet"),
    END};
static const struct http_field b_user_edit[] = {
    S("display_name", "name shown"),
    S("email", "e-mail"),
    S("role", "admin, manager, staff or readonly"),
    S("password", "new password; null removes it (ends all sessions)"),
    {"disabled", FT_BOOL, 0, "true disables the user (ends all sessions)"},
    END};
static const struct http_field b_contract[] = {
    S("code", "optional business id"),
    SR("customer_code", "customer code"),
    S("product", "product sku"),
    SR("start_on", "first day"),
    SR("end_on", "last day"),
    I("amount", "amount per term in minor units"),
    I("renewed_from", "id of the contract this one renews"),
    END};
static const struct http_field b_contract_edit[] = {S("code", "business id"),
                                                    S("product", "product sku"),
                                                    S("start_on", "first day"),
                                                    S("end_on", "last day"),
                                                    I("amount", "amount per term in minor units"),
                                                    S("end_note", "note on why it ended"),
                                                    END};
static const struct http_field b_contract_renew[] = {
    S("code", "business id of the renewal"),
    S("start_on", "first day (default: the day after the old end)"),
    SR("end_on", "last day of the new term"),
    I("amount", "amount per term (default: the old one)"),
    S("product", "product sku (default: the old one)"),
    END};
static const struct http_field b_contract_end[] = {
    SR("reason", "causes code or label: why it was not renewed"), S("note", "note"),
    S("end_on", "earlier end day when terminated early"), END};
static const struct http_field b_referral[] = {
    S("code", "optional business id"),
    SR("referrer_code", "code of the customer who referred"),
    S("referred_code", "code of the customer referred"),
    S("prospect_name", "name of the person referred, until they are a customer"),
    SR("referred_on", "day of the referral"),
    S("trigger", "triggers list code: what prompted it"),
    I("deal_id", "the deal that resulted"),
    END};
static const struct http_field b_referral_edit[] = {
    S("code", "business id"),
    S("referred_code", "code of the customer referred"),
    S("prospect_name", "name of the person referred"),
    S("referred_on", "day of the referral"),
    S("trigger", "triggers list code"),
    I("deal_id", "the deal that resulted"),
    END};
static const struct http_field b_feedback[] = {
    S("code", "optional business id"),
    SR("customer_code", "customer code"),
    SR("kind", "need, complaint, idea, testimonial or satisfaction"),
    I("score", "0-10 (satisfaction)"),
    S("text", "what the customer said"),
    S("received_on", "day received (default today)"),
    END};
#define TASK_FIELDS                                                                                \
    S("customer_code", "customer code"), S("assignee", "login; null: the team queue"),             \
        S("queue", "team queue (default team)"), S("body", "details"),                             \
        S("channel", "phone, email, visit, letter, line, sms, other"),                             \
        I("deal_id", "deal it belongs to")
static const struct http_field b_task[] = {
    SR("title", "what to do"), S("due_on", "due day (default today)"), TASK_FIELDS, END};
static const struct http_field b_task_edit[] = {
    S("title", "what to do"),
    S("due_on", "due day"),
    S("snoozed_until", "hidden until"),
    TASK_FIELDS,
    {"version", FT_INT, 0, "the version edited (instead of If-Match)"},
    END};
static const struct http_field b_task_done[] = {
    SR("outcome", "reached, no_answer, interested, not_interested, won_back, ... "
                  "(won_back and not_interested end the playbook enrollment)"),
    S("on", "local date-time of the contact (default now)"),
    {"version", FT_INT, 0, "the version seen (409 when changed meanwhile)"},
    END};
static const struct http_field b_task_snooze[] = {
    S("until", "day to show it again; null un-snoozes"),
    {"version", FT_INT, 0, "the version seen (409 when changed meanwhile)"},
    END};
static const struct http_field b_task_reassign[] = {
    S("assignee", "login; null: to the team queue"),
    S("queue", "move to this queue"),
    {"version", FT_INT, 0, "the version seen (409 when changed meanwhile)"},
    END};
static const struct http_field b_task_cancel[] = {
    S("outcome", "why"),
    {"version", FT_INT, 0, "the version seen (409 when changed meanwhile)"},
    END};
static const struct http_field b_segment[] = {
    SR("name", "unique name"), SR("filter", "filter (docs/automation.md), e.g. state = sleeping"),
    S("description", "what it is for"), END};
static const struct http_field b_segment_edit[] = {S("name", "new name"), S("filter", "filter"),
                                                   S("description", "what it is for"), END};
static const struct http_field b_segment_check[] = {SR("filter", "filter to check"), END};
#define PLAYBOOK_FIELDS                                                                            \
    S("description", "what it is for"),                                                            \
        S("trigger_arg", "deal_lost: reason; contract_ending: days; entered_segment: segment"),    \
        S("exit_rule", "bought_again (default), deal_won, left_segment or none"),                  \
        {"active", FT_BOOL, 0, "false: no new enrollments"},                                       \
    {                                                                                              \
        "steps", FT_ARRAY, 0,                                                                      \
            "[{offset_days, channel, subject, body, assignee_rule}]: replaces all steps"           \
    }
static const struct http_field b_playbook[] = {
    SR("name", "unique name"),
    SR("trigger", "first_purchase, deal_lost, became_sleeping, became_dead, contract_ending, "
                  "entered_segment, need_met or manual"),
    PLAYBOOK_FIELDS, END};
static const struct http_field b_playbook_edit[] = {
    S("name", "new name"), S("trigger", "trigger kind"), PLAYBOOK_FIELDS, END};
static const struct http_field b_enroll[] = {SR("customer_code", "customer code"),
                                             S("on", "trigger day (default today)"), END};
static const struct http_field b_exit[] = {SR("customer_code", "customer code"),
                                           S("reason", "why (default manual)"), END};
static const struct http_field b_automation_run[] = {
    S("as_of", "run as of this day (default today)"),
    {"no_send", FT_BOOL, 0, "queue e-mail without sending it"},
    END};
static const struct http_field b_clv_fit[] = {
    SR("model", "bgnbd, pnbd, mbgnbd or gamma-gamma"), S("unit", "day or week (default)"),
    S("calibration_end", "fit on orders up to this day (default today)"), END};
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
    {"DELETE", API "/session", PERM_READ, h_session_logout, "session", "log out", NULL, NULL, 204},
    {"GET", API "/tokens", PERM_READ, h_tokens_list, "tokens", "the caller's API tokens", NULL,
     NULL, 200},
    {"POST", API "/tokens", PERM_READ, h_tokens_create, "tokens",
     "create an API token (shown once)", NULL, b_token, 201},
    {"DELETE", API "/tokens/{id}", PERM_READ, h_tokens_revoke, "tokens", "revoke an API token",
     NULL, NULL, 204},

    {"GET", API "/customers", PERM_READ, h_customers_list, "customers",
     "list and search customers (code order)", q_customers, NULL, 200},
    {"POST", API "/customers", PERM_STAFF, h_customers_create, "customers", "add a customer", NULL,
     b_customer_new, 201},
    {"GET", API "/customers/{code}", PERM_READ, h_customers_get, "customers",
     "one customer (ETag: its version)", NULL, NULL, 200},
    {"PATCH", API "/customers/{code}", PERM_STAFF, h_customers_update, "customers",
     "edit a customer (If-Match or version required; 409 when changed meanwhile)", NULL,
     b_customer_edit, 200},
    {"GET", API "/customers/{code}/timeline", PERM_READ, h_customers_timeline, "customers",
     "orders, deals, contracts, referrals, activities, feedback and tasks, newest first", q_page,
     NULL, 200},
    {"GET", API "/customers/{code}/value", PERM_READ, h_customers_value, "customers",
     "P(alive), expected purchases and CLV of the latest fitted value model ({\"value\":null} "
     "with the reason when none is fitted)",
     NULL, NULL, 200},
    {"GET", API "/at-risk", PERM_READ, h_customers_at_risk, "customers",
     "valuable customers at risk: sleeping, by revenue (with a value model: by revenue x "
     "(1 - P(alive)), what is at stake)",
     q_at_risk, NULL, 200},

    {"GET", API "/orders", PERM_READ, h_orders_list, "orders", "order lines (id order)", q_orders,
     NULL, 200},
    {"POST", API "/orders", PERM_STAFF, h_orders_create, "orders",
     "add an order line (reports count it at once)", NULL, b_order, 201},
    {"GET", API "/orders/{id}", PERM_READ, h_orders_get, "orders",
     "one order line (ETag: its version)", NULL, NULL, 200},
    {"PATCH", API "/orders/{id}", PERM_STAFF, h_orders_update, "orders",
     "correct an order line (If-Match or version required; 409 when changed meanwhile)", NULL,
     b_order_edit, 200},
    {"DELETE", API "/orders/{id}", PERM_STAFF, h_orders_delete, "orders",
     "delete an order line (If-Match or ?version= required)", q_order_delete, NULL, 204},

    {"GET", API "/deals", PERM_READ, h_deals_list, "deals", "deals (id order)", q_deals, NULL, 200},
    {"POST", API "/deals", PERM_STAFF, h_deals_create, "deals", "open a deal", NULL, b_deal, 201},
    {"GET", API "/deals/{id}", PERM_READ, h_deals_get, "deals", "one deal (by id or code)", NULL,
     NULL, 200},
    {"PATCH", API "/deals/{id}", PERM_STAFF, h_deals_update, "deals",
     "edit a deal's title, amount, kind, owner, trigger, product or opening day (If-Match or "
     "version required; 409 when changed meanwhile)",
     NULL, b_deal_edit, 200},
    {"POST", API "/deals/{id}/reopen", PERM_STAFF, h_deals_reopen, "deals",
     "reopen a lost deal as a new open deal (a reactivation; ends the loss's automation)", NULL,
     b_deal_reopen, 201},
    {"POST", API "/deals/{id}/win", PERM_STAFF, h_deals_win, "deals", "close a deal as won", NULL,
     b_deal_win, 200},
    {"POST", API "/deals/{id}/lose", PERM_STAFF, h_deals_lose, "deals",
     "close a deal as lost, with a reason", NULL, b_deal_lose, 200},

    {"GET", API "/products", PERM_READ, h_products_list, "products", "products (sku order)",
     q_products, NULL, 200},
    {"POST", API "/products", PERM_MANAGER, h_products_create, "products", "add a product", NULL,
     b_product_new, 201},
    {"GET", API "/products/{sku}", PERM_READ, h_products_get, "products", "one product", NULL, NULL,
     200},
    {"PATCH", API "/products/{sku}", PERM_MANAGER, h_products_update, "products", "edit a product",
     NULL, b_product_edit, 200},

    {"GET", API "/activities", PERM_READ, h_activities_list, "activities",
     "contact history, newest first", q_activities, NULL, 200},
    {"POST", API "/activities", PERM_STAFF, h_activities_create, "activities", "record a contact",
     NULL, b_activity, 201},
    {"GET", API "/activities/{id}", PERM_READ, h_activities_get, "activities", "one activity", NULL,
     NULL, 200},
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
    {"GET", API "/settings/{key}", PERM_READ, h_settings_get, "settings", "one setting", NULL, NULL,
     200},
    {"PUT", API "/settings/{key}", PERM_ADMIN, h_settings_put, "settings", "change a setting", NULL,
     b_setting, 200},
    {"DELETE", API "/settings/{key}", PERM_ADMIN, h_settings_reset, "settings",
     "reset a setting to its default", NULL, NULL, 200},

    {"GET", API "/audit", PERM_MANAGER, h_audit_list, "audit",
     "who changed what, newest first, with before and after", q_audit, NULL, 200},

    {"GET", API "/contracts", PERM_READ, h_contracts_list, "contracts",
     "contracts in end-date order", q_contracts, NULL, 200},
    {"POST", API "/contracts", PERM_STAFF, h_contracts_create, "contracts", "add a contract", NULL,
     b_contract, 201},
    {"GET", API "/contracts/{id}", PERM_READ, h_contracts_get, "contracts",
     "one contract (by id or code)", NULL, NULL, 200},
    {"PATCH", API "/contracts/{id}", PERM_STAFF, h_contracts_update, "contracts", "edit a contract",
     NULL, b_contract_edit, 200},
    {"POST", API "/contracts/{id}/renew", PERM_STAFF, h_contracts_renew, "contracts",
     "renew: a new contract for the next term", NULL, b_contract_renew, 201},
    {"POST", API "/contracts/{id}/end", PERM_STAFF, h_contracts_end, "contracts",
     "record that it ends without renewal, with a reason", NULL, b_contract_end, 200},

    {"GET", API "/referrals", PERM_READ, h_referrals_list, "referrals", "referrals by day",
     q_referrals, NULL, 200},
    {"POST", API "/referrals", PERM_STAFF, h_referrals_create, "referrals", "record a referral",
     NULL, b_referral, 201},
    {"GET", API "/referrals/{id}", PERM_READ, h_referrals_get, "referrals",
     "one referral (by id or code)", NULL, NULL, 200},
    {"PATCH", API "/referrals/{id}", PERM_STAFF, h_referrals_update, "referrals",
     "edit a referral (the prospect became a customer, the deal is known)", NULL, b_referral_edit,
     200},

    {"GET", API "/feedback", PERM_READ, h_feedback_list, "feedback",
     "what customers said, newest first", q_feedback, NULL, 200},
    {"POST", API "/feedback", PERM_STAFF, h_feedback_create, "feedback", "record feedback", NULL,
     b_feedback, 201},
    {"GET", API "/feedback/{id}", PERM_READ, h_feedback_get, "feedback", "one feedback entry", NULL,
     NULL, 200},
    {"DELETE", API "/feedback/{id}", PERM_STAFF, h_feedback_delete, "feedback",
     "delete feedback recorded by mistake", NULL, NULL, 204},

    {"GET", API "/tasks", PERM_READ, h_tasks_list, "tasks",
     "tasks in due order: per user or queue, today's, overdue, upcoming", q_tasks, NULL, 200},
    {"POST", API "/tasks", PERM_STAFF, h_tasks_create, "tasks", "add a task", NULL, b_task, 201},
    {"GET", API "/tasks/{id}", PERM_READ, h_tasks_get, "tasks", "one task (ETag: its version)",
     NULL, NULL, 200},
    {"PATCH", API "/tasks/{id}", PERM_STAFF, h_tasks_update, "tasks",
     "edit a task (If-Match or version required)", NULL, b_task_edit, 200},
    {"POST", API "/tasks/{id}/complete", PERM_STAFF, h_tasks_complete, "tasks",
     "complete with an outcome: records an activity, advances or exits the playbook", NULL,
     b_task_done, 200},
    {"POST", API "/tasks/{id}/snooze", PERM_STAFF, h_tasks_snooze, "tasks", "hide until a day",
     NULL, b_task_snooze, 200},
    {"POST", API "/tasks/{id}/reassign", PERM_STAFF, h_tasks_reassign, "tasks",
     "give to a user or the team queue", NULL, b_task_reassign, 200},
    {"POST", API "/tasks/{id}/cancel", PERM_STAFF, h_tasks_cancel, "tasks", "cancel a task", NULL,
     b_task_cancel, 200},

    {"GET", API "/segments", PERM_READ, h_segments_list, "segments", "saved segments by name",
     q_segments, NULL, 200},
    {"POST", API "/segments", PERM_MANAGER, h_segments_create, "segments",
     "save a segment (the filter is checked)", NULL, b_segment, 201},
    {"POST", API "/segments/check", PERM_READ, h_segments_check, "segments",
     "check a filter: its canonical form, or where it is wrong", NULL, b_segment_check, 200},
    {"GET", API "/segments/{name}", PERM_READ, h_segments_get, "segments", "one segment", NULL,
     NULL, 200},
    {"PATCH", API "/segments/{name}", PERM_MANAGER, h_segments_update, "segments",
     "rename or change a segment", NULL, b_segment_edit, 200},
    {"DELETE", API "/segments/{name}", PERM_MANAGER, h_segments_delete, "segments",
     "delete a segment", NULL, NULL, 204},
    {"GET", API "/segments/{name}/count", PERM_READ, h_segments_count, "segments",
     "live member count and its history", q_as_of, NULL, 200},
    {"GET", API "/segments/{name}/members", PERM_READ, h_segments_members, "segments",
     "members with their state and metrics", q_members, NULL, 200},
    {"GET", API "/segments/{name}/export", PERM_MANAGER, h_segments_export, "segments",
     "members as a CSV download", q_as_of, NULL, 200},

    {"GET", API "/playbooks", PERM_READ, h_playbooks_list, "playbooks",
     "playbooks with their steps", q_playbooks, NULL, 200},
    {"POST", API "/playbooks", PERM_MANAGER, h_playbooks_create, "playbooks",
     "add a playbook (trigger, steps and templates are checked)", NULL, b_playbook, 201},
    {"GET", API "/playbooks/{name}", PERM_READ, h_playbooks_get, "playbooks", "one playbook", NULL,
     NULL, 200},
    {"PATCH", API "/playbooks/{name}", PERM_MANAGER, h_playbooks_update, "playbooks",
     "edit a playbook; steps replace all steps", NULL, b_playbook_edit, 200},
    {"POST", API "/playbooks/{name}/enroll", PERM_STAFF, h_playbooks_enroll, "playbooks",
     "enroll a customer by hand (200 when already enrolled)", NULL, b_enroll, 201},
    {"POST", API "/playbooks/{name}/exit", PERM_STAFF, h_playbooks_exit, "playbooks",
     "end a customer's active enrollments in the playbook", NULL, b_exit, 200},
    {"GET", API "/playbooks/{name}/enrollments", PERM_READ, h_playbooks_enrollments, "playbooks",
     "who is enrolled, at which step", q_enrollments, NULL, 200},

    {"POST", API "/automation/run", PERM_MANAGER, h_automation_run, "automation",
     "run one automation pass now (the server runs one every minute)", NULL, b_automation_run, 200},
    {"GET", API "/automation/stats", PERM_READ, h_automation_stats, "automation",
     "per playbook and step: enrolled, contacted, responded, converted, revenue won back", q_stats,
     NULL, 200},
    {"GET", API "/automation/lost-reasons", PERM_READ, h_automation_lost_reasons, "automation",
     "per lost reason: reactivation rate and days to reactivation", NULL, NULL, 200},

    {"POST", API "/clv/fit", PERM_MANAGER, h_clv_fit, "clv",
     "fit a value model on the orders and store it", NULL, b_clv_fit, 201},
    {"GET", API "/clv/predict", PERM_READ, h_clv_predict, "clv",
     "per customer: p_alive, expected purchases, spend and CLV (customer id order)", q_clv_predict,
     NULL, 200},
    {"GET", API "/clv/validate", PERM_READ, h_clv_validate, "clv",
     "calibration/holdout check of a model (JSON, or ?format=svg)", q_clv_validate, NULL, 200},

    {"POST", API "/imports", PERM_MANAGER, h_imports_create, "imports",
     "import a CSV/TSV/xlsx file (raw body or multipart); dry_run=true previews", q_import, NULL,
     201},
    {"GET", API "/exports/{kind}", PERM_MANAGER, h_exports_get, "exports",
     "download records as CSV or xlsx", q_export, NULL, 200},

    {"GET", API "/reports", PERM_READ, h_reports_list, "reports", "the available reports", NULL,
     NULL, 200},
    {"GET", API "/reports/{name}", PERM_READ, h_reports_get, "reports",
     "one report as a table (same columns as `okaeri report NAME --format json`)", q_report_plan,
     NULL, 200},
};

const size_t http_route_count = sizeof(http_routes) / sizeof(http_routes[0]);

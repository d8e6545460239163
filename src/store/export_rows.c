/*
 * export_rows.c - one query per exported kind, with canonical column names.
 */
#include "store/export_rows.h"

#include <string.h>

#include "core/banned.h"

static const struct export_column customer_cols[] = {
    {"code", EXPORT_TEXT},        {"name", EXPORT_TEXT},         {"name_kana", EXPORT_TEXT},
    {"company", EXPORT_TEXT},     {"email", EXPORT_TEXT},        {"phone", EXPORT_TEXT},
    {"postal_code", EXPORT_TEXT}, {"address", EXPORT_TEXT},      {"birthday", EXPORT_DATE},
    {"source", EXPORT_TEXT},      {"referred_by", EXPORT_TEXT},  {"owner", EXPORT_TEXT},
    {"tags", EXPORT_TEXT},        {"email_consent", EXPORT_BOOL}};
static const struct export_column order_cols[] = {
    {"order_code", EXPORT_TEXT}, {"customer_code", EXPORT_TEXT}, {"ordered_at", EXPORT_DATETIME},
    {"product", EXPORT_TEXT},    {"quantity", EXPORT_INT},       {"unit_price", EXPORT_MONEY},
    {"amount", EXPORT_MONEY},    {"channel", EXPORT_TEXT},       {"store", EXPORT_TEXT}};
static const struct export_column deal_cols[] = {
    {"code", EXPORT_TEXT},        {"customer_code", EXPORT_TEXT}, {"kind", EXPORT_TEXT},
    {"stage", EXPORT_TEXT},       {"title", EXPORT_TEXT},         {"amount", EXPORT_MONEY},
    {"opened_at", EXPORT_DATE},   {"closed_at", EXPORT_DATE},     {"owner", EXPORT_TEXT},
    {"lost_reason", EXPORT_TEXT}, {"lost_note", EXPORT_TEXT},     {"trigger", EXPORT_TEXT},
    {"product", EXPORT_TEXT}};
static const struct export_column contract_cols[] = {
    {"code", EXPORT_TEXT},         {"customer_code", EXPORT_TEXT}, {"product", EXPORT_TEXT},
    {"start_on", EXPORT_DATE},     {"end_on", EXPORT_DATE},        {"amount", EXPORT_MONEY},
    {"renewed_from", EXPORT_TEXT}, {"end_reason", EXPORT_TEXT}};
static const struct export_column referral_cols[] = {
    {"code", EXPORT_TEXT},          {"referrer_code", EXPORT_TEXT}, {"referred_code", EXPORT_TEXT},
    {"prospect_name", EXPORT_TEXT}, {"referred_on", EXPORT_DATE},   {"trigger", EXPORT_TEXT}};
static const struct export_column activity_cols[] = {
    {"code", EXPORT_TEXT},    {"customer_code", EXPORT_TEXT}, {"occurred_at", EXPORT_DATETIME},
    {"channel", EXPORT_TEXT}, {"direction", EXPORT_TEXT},     {"subject", EXPORT_TEXT},
    {"body", EXPORT_TEXT},    {"outcome", EXPORT_TEXT},       {"user", EXPORT_TEXT}};
static const struct export_column feedback_cols[] = {
    {"code", EXPORT_TEXT}, {"customer_code", EXPORT_TEXT}, {"kind", EXPORT_TEXT},
    {"score", EXPORT_INT}, {"text", EXPORT_TEXT},          {"received_on", EXPORT_DATE}};
static const struct export_column product_cols[] = {{"sku", EXPORT_TEXT},
                                                    {"name", EXPORT_TEXT},
                                                    {"category", EXPORT_TEXT},
                                                    {"price", EXPORT_MONEY},
                                                    {"tags", EXPORT_TEXT}};

struct kind_query {
    const char *kind;
    const struct export_column *cols;
    size_t n;
    const char *sql;
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static const struct kind_query queries[] = {
    {"customers", customer_cols, N(customer_cols),
     "SELECT c.code, c.name, c.name_kana, c.company, c.email, c.phone, c.postal_code, "
     "c.address, c.birthday, c.source, r.code, u.login, c.tags, c.email_consent "
     "FROM customers c LEFT JOIN customers r ON r.id = c.referred_by "
     "LEFT JOIN users u ON u.id = c.owner_id ORDER BY c.code"},
    {"orders", order_cols, N(order_cols),
     "SELECT o.order_code, c.code, o.ordered_at, p.sku, o.quantity, o.unit_price, o.amount, "
     "o.channel, o.store FROM orders o JOIN customers c ON c.id = o.customer_id "
     "LEFT JOIN products p ON p.id = o.product_id ORDER BY o.order_code, o.line_no"},
    {"deals", deal_cols, N(deal_cols),
     "SELECT d.code, c.code, d.kind, d.stage, d.title, d.amount, d.opened_at, d.closed_at, "
     "u.login, lr.code, d.lost_note, t.code, p.sku FROM deals d "
     "JOIN customers c ON c.id = d.customer_id LEFT JOIN users u ON u.id = d.owner_id "
     "LEFT JOIN lost_reasons lr ON lr.id = d.lost_reason_id "
     "LEFT JOIN triggers t ON t.id = d.trigger_id LEFT JOIN products p ON p.id = d.product_id "
     "ORDER BY d.id"},
    {"contracts", contract_cols, N(contract_cols),
     "SELECT k.code, c.code, p.sku, k.start_on, k.end_on, k.amount, prev.code, ca.code "
     "FROM contracts k JOIN customers c ON c.id = k.customer_id "
     "LEFT JOIN products p ON p.id = k.product_id "
     "LEFT JOIN contracts prev ON prev.id = k.renewed_from "
     "LEFT JOIN causes ca ON ca.id = k.end_reason_id ORDER BY k.id"},
    {"referrals", referral_cols, N(referral_cols),
     "SELECT r.code, a.code, b.code, r.prospect_name, r.referred_on, t.code FROM referrals r "
     "JOIN customers a ON a.id = r.referrer_id LEFT JOIN customers b ON b.id = r.referred_id "
     "LEFT JOIN triggers t ON t.id = r.trigger_id ORDER BY r.id"},
    {"activities", activity_cols, N(activity_cols),
     "SELECT a.code, c.code, a.occurred_at, a.channel, a.direction, a.subject, a.body, "
     "a.outcome, u.login FROM activities a JOIN customers c ON c.id = a.customer_id "
     "LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id"},
    {"feedback", feedback_cols, N(feedback_cols),
     "SELECT f.code, c.code, f.kind, f.score, f.text, f.received_on FROM feedback f "
     "JOIN customers c ON c.id = f.customer_id ORDER BY f.id"},
    {"products", product_cols, N(product_cols),
     "SELECT sku, name, category, price, tags FROM products ORDER BY sku"},
};

static const struct kind_query *find(const char *kind)
{
    size_t i;
    for (i = 0; kind && i < N(queries); i++)
        if (!strcmp(queries[i].kind, kind))
            return &queries[i];
    return NULL;
}

const struct export_column *store_export_columns(const char *kind, size_t *n)
{
    const struct kind_query *q = find(kind);
    *n = q ? q->n : 0;
    return q ? q->cols : NULL;
}

struct db_stmt *store_export_prepare(struct db *db, const char *kind, struct ok_err *err)
{
    const struct kind_query *q = find(kind);
    if (!q) {
        ok_err_set(err, OK_ERR_USAGE,
                   "cannot export '%s'; kinds: customers, orders, deals, contracts, referrals, "
                   "activities, feedback, products",
                   kind ? kind : "");
        return NULL;
    }
    return db_prepare(db, q->sql, err);
}

/*
 * columns.c - canonical columns per import kind, their aliases, and header matching.
 *
 * Matching: every header gets a key (columns_fold_header) and, if it ends with a remark in
 * parentheses, a second key without it. Each field looks for the column whose key equals the
 * key of its earliest alias (canonical name first); exact keys beat remark-stripped ones, and a
 * column that matches some field exactly is not used through its stripped key. Ties go to the
 * leftmost column. A column may feed two fields when their alias lists deliberately overlap
 * (商品名 is the product name, and the product itself when no product code column exists).
 */
#include "io/columns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/text.h"
#include "core/banned.h"

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

/* customer code, as a customer file's code or an order's customer_code */
#define CUSTOMER_CODE_ALIASES                                                                      \
    "顧客ID", "顧客コード", "顧客番号", "顧客No", "会員番号", "会員ID", "会員コード", "会員No",    \
        "お客様番号", "お客様ID", "お客様コード", "得意先コード", "取引先コード", "CustomerID",    \
        "Customer Code", "Customer No", "customer_number", "member_id", "client_id"
#define NAME_ALIASES                                                                               \
    "氏名", "お名前", "名前", "顧客名", "会員名", "お客様名", "氏名（漢字）", "得意先名",          \
        "取引先名", "Full Name", "customer_name"
#define KANA_ALIASES                                                                               \
    "フリガナ", "カナ", "かな", "氏名（カナ）", "氏名カナ", "お名前（フリガナ）", "顧客名カナ",    \
        "顧客名（カナ）", "よみがな", "読み", "Kana", "furigana", "name_reading"
#define EMAIL_ALIASES                                                                              \
    "メールアドレス", "メール", "Eメール", "Eメールアドレス", "E-mail", "Mail", "email_address",   \
        "PCメール", "携帯メール"
#define PHONE_ALIASES                                                                              \
    "電話番号", "電話", "TEL", "TEL番号", "携帯電話番号", "携帯電話", "携帯番号", "携帯",          \
        "連絡先電話番号", "連絡先", "Phone", "Telephone", "phone_number", "Mobile"
#define POSTAL_ALIASES   "郵便番号", "〒", "郵便", "ZIP", "Zip Code", "Postal Code", "postcode"
#define ADDRESS_ALIASES  "住所", "所在地", "住所1", "Address", "street_address"
#define BIRTHDAY_ALIASES "生年月日", "誕生日", "Birthday", "Date of Birth", "DOB", "birth_date"
#define OWNER_ALIASES    "担当者", "担当", "営業担当", "担当営業", "担当者名", "Owner", "Sales Rep"
#define PRODUCT_CODE_ALIASES                                                                       \
    "商品コード", "品番", "SKU", "JANコード", "JAN", "商品ID", "商品番号", "StockCode",            \
        "Product Code", "product_id", "item_code"
#define PRODUCT_NAME_ALIASES                                                                       \
    "商品名", "品名", "商品", "Description", "Product Name", "Item Name", "Item"

static const struct io_field_def customers[] = {
    {"code", 2, A("code", CUSTOMER_CODE_ALIASES, "customer_code", "ID")},
    {"name", 1, A("name", NAME_ALIASES, "Name")},
    {"name_kana", 0, A("name_kana", KANA_ALIASES)},
    {"company", 0,
     A("company", "会社名", "法人名", "企業名", "社名", "勤務先", "屋号", "Company", "Organization",
       "company_name")},
    {"email", 2, A("email", EMAIL_ALIASES)},
    {"phone", 2, A("phone", PHONE_ALIASES)},
    {"postal_code", 0, A("postal_code", POSTAL_ALIASES)},
    {"address", 0, A("address", ADDRESS_ALIASES)},
    {"birthday", 0, A("birthday", BIRTHDAY_ALIASES)},
    {"source", 0,
     A("source", "流入経路", "集客経路", "獲得経路", "認知経路", "来店きっかけ", "媒体", "Source",
       "Lead Source")},
    {"referred_by", 0,
     A("referred_by", "紹介者", "紹介者ID", "紹介者コード", "紹介元", "Referred By", "Referrer")},
    {"owner", 0, A("owner", OWNER_ALIASES)},
    {"tags", 0, A("tags", "タグ", "顧客区分", "区分", "分類", "ラベル", "Tag", "Labels")},
    {"email_consent", 0,
     A("email_consent", "メール配信", "メール配信可否", "メール配信希望", "メルマガ",
       "メルマガ希望", "メールマガジン", "配信同意", "Email Consent", "Opt-in", "Newsletter",
       "marketing_consent")},
};

static const struct io_field_def orders[] = {
    {"order_code", 1,
     A("order_code", "伝票番号", "レシート番号", "注文番号", "受注番号", "注文ID", "受注ID",
       "取引番号", "取引ID", "売上番号", "伝票No", "InvoiceNo", "Invoice No", "Invoice", "Order ID",
       "Order No", "Order Number", "receipt_no", "transaction_id")},
    {"customer_code", 1, A("customer_code", CUSTOMER_CODE_ALIASES, "customer_id")},
    {"ordered_at", 1,
     A("ordered_at", "購入日", "日付", "売上日", "注文日", "受注日", "購入日時", "取引日時",
       "取引日", "売上日時", "注文日時", "日時", "来店日", "利用日", "InvoiceDate", "Invoice Date",
       "Order Date", "Date", "purchased_at", "ordered_on")},
    {"product", 0, A("product", PRODUCT_CODE_ALIASES, PRODUCT_NAME_ALIASES, "Product")},
    {"quantity", 0, A("quantity", "数量", "個数", "点数", "購入数", "数", "Quantity", "Qty")},
    {"unit_price", 2,
     A("unit_price", "単価", "販売単価", "価格", "売価", "UnitPrice", "Unit Price", "Price")},
    {"amount", 2,
     A("amount", "金額", "売上金額", "合計", "合計金額", "小計", "売上", "売上額", "購入金額",
       "税込金額", "支払金額", "Amount", "Total", "Subtotal", "Sales", "Revenue", "line_total")},
    {"channel", 0,
     A("channel", "チャネル", "チャネル名", "販売チャネル", "購入経路", "販路", "Channel",
       "Sales Channel")},
    {"store", 0,
     A("store", "店舗", "店舗名", "店名", "店舗コード", "支店", "Store", "Shop", "Branch")},
    /* an order file may carry the customer's own columns */
    {"product_name", 0, A("product_name", PRODUCT_NAME_ALIASES)},
    {"name", 0, A("name", NAME_ALIASES, "Name")},
    {"name_kana", 0, A("name_kana", KANA_ALIASES)},
    {"email", 0, A("email", EMAIL_ALIASES)},
    {"phone", 0, A("phone", PHONE_ALIASES)},
    {"postal_code", 0, A("postal_code", POSTAL_ALIASES)},
    {"address", 0, A("address", ADDRESS_ALIASES)},
    {"birthday", 0, A("birthday", BIRTHDAY_ALIASES)},
};

static const struct io_field_def deals[] = {
    {"code", 1,
     A("code", "案件ID", "案件番号", "案件コード", "商談ID", "商談番号", "Deal ID",
       "Opportunity ID", "deal_code")},
    {"customer_code", 1, A("customer_code", CUSTOMER_CODE_ALIASES, "customer_id")},
    {"kind", 0, A("kind", "種別", "案件種別", "商談種別", "Type", "Deal Type")},
    {"stage", 1,
     A("stage", "ステージ", "フェーズ", "ステータス", "状況", "進捗", "Stage", "Status")},
    {"title", 0,
     A("title", "件名", "案件名", "商談名", "タイトル", "Title", "Deal Name", "Subject")},
    {"amount", 0, A("amount", "金額", "見込金額", "受注金額", "見積金額", "Amount", "Value")},
    {"opened_at", 0,
     A("opened_at", "開始日", "発生日", "商談開始日", "作成日", "登録日", "Opened", "Created",
       "Created Date")},
    {"closed_at", 0,
     A("closed_at", "完了日", "クローズ日", "終了日", "受注日", "失注日", "Closed", "Close Date")},
    {"owner", 0, A("owner", OWNER_ALIASES)},
    {"lost_reason", 0, A("lost_reason", "失注理由", "失注要因", "Lost Reason", "Loss Reason")},
    {"lost_note", 0, A("lost_note", "失注メモ", "失注詳細", "メモ", "備考", "Note", "Notes")},
    {"trigger", 0, A("trigger", "きっかけ", "契機", "トリガー", "Trigger")},
    {"product", 0, A("product", PRODUCT_CODE_ALIASES, PRODUCT_NAME_ALIASES, "Product")},
};

static const struct io_field_def contracts[] = {
    {"code", 1,
     A("code", "契約番号", "契約ID", "契約コード", "契約No", "Contract ID", "Contract No",
       "contract_code")},
    {"customer_code", 1, A("customer_code", CUSTOMER_CODE_ALIASES, "customer_id")},
    {"product", 0,
     A("product", "プラン", "契約プラン", "契約商品", PRODUCT_CODE_ALIASES, PRODUCT_NAME_ALIASES,
       "Plan", "Product")},
    {"start_on", 1, A("start_on", "開始日", "契約開始日", "契約日", "Start", "Start Date")},
    {"end_on", 0, A("end_on", "終了日", "契約終了日", "満了日", "End", "End Date")},
    {"amount", 0, A("amount", "契約金額", "金額", "月額", "年額", "Amount", "Value")},
    {"renewed_from", 0,
     A("renewed_from", "更新元", "更新元契約", "前契約", "Renewed From", "Previous Contract")},
    {"end_reason", 0,
     A("end_reason", "解約理由", "終了理由", "Termination Reason", "End Reason", "Churn Reason")},
};

static const struct io_field_def referrals[] = {
    {"code", 0, A("code", "紹介ID", "紹介番号", "Referral ID", "referral_code")},
    {"referrer_code", 1,
     A("referrer_code", "紹介者ID", "紹介者コード", "紹介者番号", "紹介者", "紹介元", "Referrer",
       "Referrer ID")},
    {"referred_code", 2,
     A("referred_code", "被紹介者ID", "被紹介者コード", "紹介先ID", "紹介先顧客ID", "Referred ID",
       "Referred Customer")},
    {"prospect_name", 2,
     A("prospect_name", "被紹介者名", "被紹介者", "紹介先", "紹介先氏名", "見込客名", "Prospect",
       "Prospect Name", "Referred Name")},
    {"referred_on", 0, A("referred_on", "紹介日", "日付", "Referred On", "Referral Date", "Date")},
    {"trigger", 0, A("trigger", "きっかけ", "紹介のきっかけ", "契機", "Trigger")},
};

static const struct io_field_def activities[] = {
    {"code", 0, A("code", "活動ID", "対応ID", "履歴ID", "Activity ID", "activity_code")},
    {"customer_code", 1, A("customer_code", CUSTOMER_CODE_ALIASES, "customer_id")},
    {"occurred_at", 1,
     A("occurred_at", "日時", "日付", "対応日", "対応日時", "接触日", "活動日", "Date",
       "Occurred At", "Timestamp")},
    {"channel", 0,
     A("channel", "手段", "方法", "接触方法", "対応方法", "チャネル", "Channel", "Medium", "Type")},
    {"direction", 0, A("direction", "方向", "受発信", "Direction")},
    {"subject", 0, A("subject", "件名", "用件", "題名", "Subject", "Title")},
    {"body", 0,
     A("body", "内容", "本文", "対応内容", "詳細", "メモ", "Body", "Notes", "Details",
       "Description")},
    {"outcome", 0, A("outcome", "結果", "対応結果", "Outcome", "Result")},
    {"user", 0, A("user", "対応者", "担当者", "担当", "Staff", "User", "Owner")},
};

static const struct io_field_def feedback[] = {
    {"code", 0, A("code", "回答ID", "フィードバックID", "Feedback ID", "Response ID")},
    {"customer_code", 1, A("customer_code", CUSTOMER_CODE_ALIASES, "customer_id")},
    {"kind", 0, A("kind", "種別", "区分", "分類", "Type")},
    {"score", 2, A("score", "評価", "点数", "スコア", "満足度", "評点", "NPS", "Score", "Rating")},
    {"text", 2,
     A("text", "内容", "コメント", "ご意見", "本文", "自由記述", "感想", "Comment", "Comments",
       "Feedback")},
    {"received_on", 0,
     A("received_on", "回答日", "受付日", "日付", "Received", "Submitted At", "Date")},
};

static const struct io_field_def products[] = {
    {"sku", 1, A("sku", PRODUCT_CODE_ALIASES)},
    {"name", 1, A("name", "商品名", "品名", "名称", "Product Name", "Description", "Name")},
    {"category", 0,
     A("category", "カテゴリ", "カテゴリー", "分類", "商品分類", "部門", "Category")},
    {"price", 0,
     A("price", "価格", "単価", "販売価格", "定価", "売価", "Price", "Unit Price", "UnitPrice")},
    {"tags", 0, A("tags", "タグ", "Tag")},
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static const struct {
    const char *name;
    const struct io_field_def *fields;
    size_t n;
} kinds[IO_KIND_COUNT] = {
    {"customers", customers, N(customers)},
    {"orders", orders, N(orders)},
    {"deals", deals, N(deals)},
    {"contracts", contracts, N(contracts)},
    {"referrals", referrals, N(referrals)},
    {"activities", activities, N(activities)},
    {"feedback", feedback, N(feedback)},
    {"products", products, N(products)},
};

const char *io_kind_name(enum io_kind kind)
{
    return (unsigned)kind < IO_KIND_COUNT ? kinds[kind].name : "?";
}

int io_kind_parse(const char *name, enum io_kind *kind, struct ok_err *err)
{
    int i;
    for (i = 0; i < IO_KIND_COUNT; i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *kind = (enum io_kind)i;
            return 0;
        }
    }
    return ok_err_set(err, OK_ERR_USAGE,
                      "unknown kind '%s' (use customers, orders, deals, contracts, referrals, "
                      "activities, feedback or products)",
                      name);
}

const struct io_field_def *io_kind_fields(enum io_kind kind, size_t *n)
{
    *n = kinds[kind].n;
    return kinds[kind].fields;
}

int io_kind_field_index(enum io_kind kind, const char *name)
{
    size_t i;
    for (i = 0; i < kinds[kind].n; i++)
        if (strcmp(kinds[kind].fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

void columns_fold_header(struct buf *out, const char *s, size_t n)
{
    struct buf tmp;
    size_t i, start = out->len;
    buf_init(&tmp, 0);
    text_fold_for_match(&tmp, s, n);
    for (i = 0; i < tmp.len; i++) {
        char c = tmp.data[i];
        if (c == '_' || c == '-' || c == '.' || c == '*' || c == ':' || c == '\'')
            continue;
        if (i + 3 <= tmp.len && memcmp(tmp.data + i, "\xE2\x80\xBB", 3) == 0) { /* ※ */
            i += 2;
            continue;
        }
        buf_putc(out, c);
    }
    (void)start;
    buf_release(&tmp);
}

/* The key without a trailing "(...)" remark, or NULL when there is none. */
static char *strip_remark(const char *key)
{
    size_t n = strlen(key);
    const char *open;
    if (n < 3 || key[n - 1] != ')')
        return NULL;
    open = strrchr(key, '(');
    if (!open || open == key)
        return NULL;
    return xstrndup(key, (size_t)(open - key));
}

static char *fold_dup(const char *s, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    columns_fold_header(&b, s, n);
    {
        char *r = buf_detach(&b, NULL);
        buf_release(&b); /* buf_detach leaves a fresh empty buffer behind */
        return r;
    }
}

/* Per column: its keys; per field: the best (priority, column). */
struct matcher {
    size_t ncols;
    char **key, **key2;
};

static void matcher_init(struct matcher *mt, const struct io_row *header)
{
    size_t i;
    mt->ncols = header->n;
    mt->key = xcalloc(header->n + 1, sizeof(char *));
    mt->key2 = xcalloc(header->n + 1, sizeof(char *));
    for (i = 0; i < header->n; i++) {
        mt->key[i] = fold_dup(header->cells[i].s, header->cells[i].len);
        mt->key2[i] = strip_remark(mt->key[i]);
    }
}

static void matcher_release(struct matcher *mt)
{
    size_t i;
    for (i = 0; i < mt->ncols; i++) {
        free(mt->key[i]);
        free(mt->key2[i]);
    }
    free(mt->key);
    free(mt->key2);
}

enum { NO_MATCH = 1 << 30, WEAK = 1 << 20 };

/* Fills best[f] (priority) and col[f] for every field; exact[c] = 1 when column c matches some
 * field exactly. */
static void match_fields(const struct io_field_def *fields, size_t nf, const struct matcher *mt,
                         int *best, int *col, unsigned char *exact)
{
    size_t f, c;
    int a;
    for (f = 0; f < nf; f++) {
        best[f] = NO_MATCH;
        col[f] = -1;
    }
    for (c = 0; c < mt->ncols; c++)
        exact[c] = 0;
    for (f = 0; f < nf; f++) {
        for (a = 0; fields[f].aliases[a]; a++) {
            const char *al = fields[f].aliases[a];
            char *ak = fold_dup(al, strlen(al));
            for (c = 0; c < mt->ncols; c++) {
                if (mt->key[c][0] && strcmp(mt->key[c], ak) == 0) {
                    exact[c] = 1;
                    if (a < best[f]) {
                        best[f] = a;
                        col[f] = (int)c;
                    }
                }
            }
            free(ak);
        }
    }
    /* remark-stripped keys, only for columns nothing matches exactly */
    for (f = 0; f < nf; f++) {
        if (best[f] != NO_MATCH)
            continue;
        for (a = 0; fields[f].aliases[a]; a++) {
            const char *al = fields[f].aliases[a];
            char *ak = fold_dup(al, strlen(al));
            for (c = 0; c < mt->ncols; c++) {
                if (!exact[c] && mt->key2[c] && strcmp(mt->key2[c], ak) == 0 &&
                    WEAK + a < best[f]) {
                    best[f] = WEAK + a;
                    col[f] = (int)c;
                }
            }
            free(ak);
        }
    }
}

size_t columns_match_count(enum io_kind kind, const struct io_row *row)
{
    struct matcher mt;
    size_t nf = kinds[kind].n, f, count = 0;
    int *best = xmalloc(nf * sizeof(int)), *col = xmalloc(nf * sizeof(int));
    unsigned char *exact = xmalloc(row->n + 1);
    matcher_init(&mt, row);
    match_fields(kinds[kind].fields, nf, &mt, best, col, exact);
    for (f = 0; f < nf; f++)
        if (col[f] >= 0)
            count++;
    matcher_release(&mt);
    free(best);
    free(col);
    free(exact);
    return count;
}

/* Finds the column an override names: header text, folded header, or a 1-based number. */
static int find_column(const struct column_map *m, const struct matcher *mt, const char *name)
{
    size_t c;
    char *k, *end;
    long num;
    for (c = 0; c < m->ncols; c++)
        if (strcmp(m->headers[c], name) == 0)
            return (int)c;
    k = fold_dup(name, strlen(name));
    for (c = 0; c < m->ncols; c++) {
        if (k[0] && strcmp(mt->key[c], k) == 0) {
            free(k);
            return (int)c;
        }
    }
    free(k);
    errno = 0;
    num = strtol(name, &end, 10);
    if (!errno && *name && !*end && num >= 1 && (size_t)num <= m->ncols)
        return (int)num - 1;
    return -1;
}

static void list_headers(const struct column_map *m, struct buf *b)
{
    size_t c;
    for (c = 0; c < m->ncols; c++)
        buf_printf(b, "%s\"%s\"", c ? ", " : "", m->headers[c]);
    if (m->ncols == 0)
        buf_puts(b, "(none)");
}

static int apply_override(struct column_map *m, const struct matcher *mt, const char *spec,
                          unsigned char *pinned, struct ok_err *err)
{
    const char *eq = strchr(spec, '=');
    char *field;
    int f, c;
    if (!eq || eq == spec)
        return ok_err_set(err, OK_ERR_USAGE, "--map wants FIELD=COLUMN, not '%s'", spec);
    field = xstrndup(spec, (size_t)(eq - spec));
    f = io_kind_field_index(m->kind, field);
    if (f < 0) {
        struct buf b;
        size_t i;
        buf_init(&b, 4096);
        for (i = 0; i < m->nfields; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", kinds[m->kind].fields[i].name);
        ok_err_set(err, OK_ERR_USAGE, "--map %s: %s has no field '%s' (fields: %s)", spec,
                   kinds[m->kind].name, field, b.data);
        buf_release(&b);
        free(field);
        return -1;
    }
    free(field);
    pinned[f] = 1;
    if (eq[1] == '\0') {
        m->field_col[f] = -1;
        return 0;
    }
    c = find_column(m, mt, eq + 1);
    if (c < 0) {
        struct buf b;
        buf_init(&b, 8192);
        list_headers(m, &b);
        ok_err_set(err, OK_ERR_USAGE, "--map %s: the file has no column '%s' (columns: %s)", spec,
                   eq + 1, b.data);
        buf_release(&b);
        return -1;
    }
    m->field_col[f] = c;
    return 0;
}

int column_map_build(struct column_map *m, enum io_kind kind, const struct io_row *header,
                     const char *const *maps, size_t nmaps, struct ok_err *err)
{
    const struct io_field_def *fields = kinds[kind].fields;
    size_t nf = kinds[kind].n, f, c, i;
    struct matcher mt;
    int *best = xmalloc(nf * sizeof(int)), *auto_col = xmalloc(nf * sizeof(int));
    unsigned char *exact = xmalloc(header->n + 1), *pinned = xcalloc(nf, 1);
    int rc = -1;

    memset(m, 0, sizeof(*m));
    m->kind = kind;
    m->nfields = nf;
    m->ncols = header->n;
    m->field_col = xmalloc(nf * sizeof(int));
    m->headers = xcalloc(header->n + 1, sizeof(char *));
    m->status = xcalloc(header->n + 1, sizeof(*m->status));
    m->col_field = xmalloc((header->n + 1) * sizeof(int));
    for (c = 0; c < header->n; c++)
        m->headers[c] = xstrndup(header->cells[c].s, header->cells[c].len);

    matcher_init(&mt, header);
    match_fields(fields, nf, &mt, best, auto_col, exact);
    memcpy(m->field_col, auto_col, nf * sizeof(int));
    for (i = 0; i < nmaps; i++)
        if (apply_override(m, &mt, maps[i], pinned, err) < 0)
            goto out;

    /* why each column is (not) used */
    for (c = 0; c < m->ncols; c++) {
        m->status[c] = COLUMN_UNKNOWN;
        m->col_field[c] = -1;
    }
    for (f = 0; f < nf; f++) {
        if (m->field_col[f] >= 0) {
            m->status[m->field_col[f]] = COLUMN_USED;
            m->col_field[m->field_col[f]] = (int)f;
        }
    }
    for (c = 0; c < m->ncols; c++) {
        if (m->status[c] == COLUMN_USED)
            continue;
        for (f = 0; f < nf; f++) {
            if (auto_col[f] == (int)c && pinned[f]) {
                m->status[c] = COLUMN_OVERRIDDEN;
                m->col_field[c] = (int)f;
                break;
            }
        }
        if (m->status[c] != COLUMN_UNKNOWN || !exact[c])
            continue;
        /* it matched a field exactly but another column won: a duplicate */
        for (f = 0; f < nf; f++) {
            int a;
            for (a = 0; fields[f].aliases[a] && m->status[c] == COLUMN_UNKNOWN; a++) {
                char *ak = fold_dup(fields[f].aliases[a], strlen(fields[f].aliases[a]));
                if (strcmp(ak, mt.key[c]) == 0) {
                    m->status[c] = COLUMN_DUPLICATE;
                    m->col_field[c] = (int)f;
                }
                free(ak);
            }
        }
    }

    /* required fields and groups */
    {
        struct buf miss;
        int group;
        buf_init(&miss, 8192);
        for (f = 0; f < nf; f++)
            if (fields[f].required == 1 && m->field_col[f] < 0)
                buf_printf(&miss, "%s%s", miss.len ? ", " : "", fields[f].name);
        for (group = 2; group < 10; group++) {
            int members = 0, present = 0;
            for (f = 0; f < nf; f++) {
                if (fields[f].required != group)
                    continue;
                members++;
                if (m->field_col[f] >= 0)
                    present++;
            }
            if (members == 0 || present > 0)
                continue;
            buf_printf(&miss, "%sone of ", miss.len ? ", " : "");
            members = 0;
            for (f = 0; f < nf; f++)
                if (fields[f].required == group)
                    buf_printf(&miss, "%s%s", members++ ? "/" : "", fields[f].name);
        }
        if (miss.len) {
            struct buf found;
            buf_init(&found, 8192);
            list_headers(m, &found);
            ok_err_set(err, OK_ERR_INVALID,
                       "missing required column(s) for %s: %s; the file's columns are: %s "
                       "(name them with --map FIELD=COLUMN)",
                       kinds[kind].name, miss.data, found.data);
            ok_err_locate(err, NULL, header->line);
            buf_release(&found);
            buf_release(&miss);
            goto out;
        }
        buf_release(&miss);
    }
    rc = 0;
out:
    matcher_release(&mt);
    free(best);
    free(auto_col);
    free(exact);
    free(pinned);
    if (rc < 0)
        column_map_release(m);
    return rc;
}

void column_map_release(struct column_map *m)
{
    size_t c;
    if (m->headers)
        for (c = 0; c < m->ncols; c++)
            free(m->headers[c]);
    free(m->headers);
    free(m->field_col);
    free(m->status);
    free(m->col_field);
    memset(m, 0, sizeof(*m));
}

const struct io_cell *column_map_cell(const struct column_map *m, const struct io_row *row,
                                      int field)
{
    int c;
    if (field < 0 || (size_t)field >= m->nfields)
        return NULL;
    c = m->field_col[field];
    if (c < 0 || (size_t)c >= row->n)
        return NULL;
    return &row->cells[c];
}

size_t column_map_describe_unused(const struct column_map *m, struct buf *out)
{
    size_t c, n = 0;
    for (c = 0; c < m->ncols; c++) {
        const char *fname = m->col_field[c] >= 0 ? kinds[m->kind].fields[m->col_field[c]].name : "";
        int used = m->field_col[m->col_field[c] >= 0 ? m->col_field[c] : 0];
        switch (m->status[c]) {
        case COLUMN_USED:
            continue;
        case COLUMN_UNKNOWN:
            buf_printf(out, "column %zu \"%s\": not a %s field, kept aside\n", c + 1, m->headers[c],
                       kinds[m->kind].name);
            break;
        case COLUMN_DUPLICATE:
            buf_printf(out, "column %zu \"%s\": also looks like %s, but column %d \"%s\" is used\n",
                       c + 1, m->headers[c], fname, used + 1, used >= 0 ? m->headers[used] : "");
            break;
        case COLUMN_OVERRIDDEN:
            buf_printf(out, "column %zu \"%s\": not used for %s because of --map\n", c + 1,
                       m->headers[c], fname);
            break;
        }
        n++;
    }
    return n;
}

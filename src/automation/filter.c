/*
 * filter.c - lexer, recursive-descent parser, binder and row evaluator of the segment filter
 * language (grammar in docs/automation.md).
 */
#include "automation/filter.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/rfm.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/banned.h"

/* ---- fields ---- */

enum ftype {
    TY_STATE,
    TY_STAGE,
    TY_RFMSEG,
    TY_INT,
    TY_MONEY,
    TY_REAL,
    TY_DATE,
    TY_LIST,
    TY_SOURCE,
    TY_OWNER,
    TY_BOOL,
    TY_KIND,
    TY_TAG,
    TY_ATTR
};

enum fid {
    F_STATE,
    F_STAGE,
    F_RFM_R,
    F_RFM_F,
    F_RFM_M,
    F_RFM_SEGMENT,
    F_RECENCY,
    F_ORDERS,
    F_PURCHASE_DAYS,
    F_REVENUE,
    F_P_ALIVE,
    F_CLV,
    F_LAST_PURCHASE,
    F_FIRST_PURCHASE,
    F_CREATED,
    F_LOST_REASON,
    F_CAUSE,
    F_SOURCE,
    F_OWNER,
    F_CONSENT,
    F_HAS_EMAIL,
    F_KIND,
    F_TAG,
    F_ATTR
};

struct field_def {
    const char *name;
    enum fid id;
    enum ftype type;
};

static const struct field_def fields[] = {
    {"state", F_STATE, TY_STATE},
    {"stage", F_STAGE, TY_STAGE},
    {"rfm.r", F_RFM_R, TY_INT},
    {"rfm.f", F_RFM_F, TY_INT},
    {"rfm.m", F_RFM_M, TY_INT},
    {"rfm.segment", F_RFM_SEGMENT, TY_RFMSEG},
    {"recency_days", F_RECENCY, TY_INT},
    {"orders", F_ORDERS, TY_INT},
    {"purchase_days", F_PURCHASE_DAYS, TY_INT},
    {"revenue", F_REVENUE, TY_MONEY},
    {"p_alive", F_P_ALIVE, TY_REAL},
    {"clv", F_CLV, TY_REAL},
    {"last_purchase", F_LAST_PURCHASE, TY_DATE},
    {"first_purchase", F_FIRST_PURCHASE, TY_DATE},
    {"created", F_CREATED, TY_DATE},
    {"lost_reason", F_LOST_REASON, TY_LIST},
    {"cause", F_CAUSE, TY_LIST},
    {"source", F_SOURCE, TY_SOURCE},
    {"owner", F_OWNER, TY_OWNER},
    {"consent", F_CONSENT, TY_BOOL},
    {"has_email", F_HAS_EMAIL, TY_BOOL},
    {"kind", F_KIND, TY_KIND},
    {"tag", F_TAG, TY_TAG},
    {"tags", F_TAG, TY_TAG},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const char *const filter_field_names[] = {
    "state",   "stage",         "rfm.r",     "rfm.f",   "rfm.m", "rfm.segment",   "recency_days",
    "orders",  "purchase_days", "revenue",   "p_alive", "clv",   "last_purchase", "first_purchase",
    "created", "lost_reason",   "cause",     "source",  "owner", "consent",       "has_email",
    "kind",    "tag",           "attr.NAME", NULL};

/* ---- tokens ---- */

enum tok { T_END, T_WORD, T_NUMBER, T_DATE, T_STRING, T_LP, T_RP, T_COMMA, T_COLON, T_OP };

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN };
static const char *const op_text[] = {"=", "!=", "<", "<=", ">", ">=", "in"};

struct lexer {
    const char *s;
    size_t n, pos; /* pos: byte offset of the next unread byte */
    enum tok tok;  /* current token */
    size_t start, len;
    enum op op;
    char *text; /* decoded text of a string token (owned) */
    struct ok_err *err;
};

/* 1-based character (not byte) position of byte offset off, for messages people can count. */
static long char_pos(const char *s, size_t off)
{
    long p = 1;
    size_t i;
    for (i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            p++;
    return p;
}

static int word_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static int word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-' || c >= 0x80;
}

static int is_ideographic_space(const char *s, size_t n, size_t i)
{
    return i + 3 <= n && (unsigned char)s[i] == 0xE3 && (unsigned char)s[i + 1] == 0x80 &&
           (unsigned char)s[i + 2] == 0x80;
}

static void describe_token(const struct lexer *lx, char *out, size_t size)
{
    if (lx->tok == T_END) {
        snprintf(out, size, "end of filter");
        return;
    }
    snprintf(out, size, "'%.*s'", (int)(lx->len > 40 ? 40 : lx->len), lx->s + lx->start);
}

static int lex_fail(struct lexer *lx, size_t off, const char *fmt, const char *what)
{
    char found[64];
    describe_token(lx, found, sizeof(found));
    ok_err_set(lx->err, OK_ERR_INVALID, "filter: position %ld: %s%s%s", char_pos(lx->s, off), fmt,
               what ? ", found " : "", what ? found : "");
    ok_err_locate(lx->err, "filter", 0);
    return -1;
}

static int lex_next(struct lexer *lx)
{
    const char *s = lx->s;
    size_t i = lx->pos;
    free(lx->text);
    lx->text = NULL;
    for (;;) {
        if (i < lx->n && isspace((unsigned char)s[i]))
            i++;
        else if (is_ideographic_space(s, lx->n, i))
            i += 3;
        else
            break;
    }
    lx->start = i;
    if (i >= lx->n) {
        lx->tok = T_END;
        lx->len = 0;
        lx->pos = i;
        return 0;
    }
    unsigned char c = (unsigned char)s[i];
    if (c == '(' || c == ')' || c == ',' || c == ':') {
        lx->tok = c == '(' ? T_LP : c == ')' ? T_RP : c == ',' ? T_COMMA : T_COLON;
        lx->len = 1;
        lx->pos = i + 1;
        return 0;
    }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
        int two = i + 1 < lx->n && s[i + 1] == '=';
        lx->tok = T_OP;
        if (c == '=') {
            lx->op = OP_EQ; /* "==" is accepted as "=" */
        } else if (c == '!') {
            if (!two) {
                lx->len = 1;
                lx->pos = i + 1;
                lx->tok = T_OP;
                return lex_fail(lx, i, "expected '!=' (use 'not' to negate)", NULL);
            }
            lx->op = OP_NE;
        } else if (c == '<') {
            lx->op = two ? OP_LE : OP_LT;
            if (!two && i + 1 < lx->n && s[i + 1] == '>') {
                lx->op = OP_NE;
                two = 1;
            }
        } else {
            lx->op = two ? OP_GE : OP_GT;
        }
        lx->len = two ? 2 : 1;
        lx->pos = i + lx->len;
        return 0;
    }
    if (c == '"' || c == '\'') {
        struct buf b;
        size_t j = i + 1;
        buf_init(&b, 0);
        while (j < lx->n && s[j] != (char)c) {
            if (s[j] == '\\' && j + 1 < lx->n)
                j++;
            buf_putc(&b, s[j]);
            j++;
        }
        if (j >= lx->n) {
            buf_release(&b);
            lx->tok = T_END;
            lx->len = 0;
            return lex_fail(lx, i, "unclosed quoted string (add the closing quote)", NULL);
        }
        lx->tok = T_STRING;
        lx->text = buf_detach(&b, NULL);
        buf_release(&b); /* buf_detach leaves a fresh empty buffer behind */
        lx->len = j + 1 - i;
        lx->pos = j + 1;
        return 0;
    }
    if (isdigit(c) || (c == '-' && i + 1 < lx->n && isdigit((unsigned char)s[i + 1]))) {
        size_t j = i + 1;
        int32_t day;
        while (j < lx->n && (isdigit((unsigned char)s[j]) || s[j] == '.' || s[j] == '-'))
            j++;
        lx->len = j - i;
        lx->pos = j;
        if (lx->len == 10 && s[i + 4] == '-' && s[i + 7] == '-') {
            lx->tok = T_DATE;
            if (date_parse_iso(s + i, 10, &day) < 0)
                return lex_fail(lx, i, "expected a valid date YYYY-MM-DD", "x");
            return 0;
        }
        lx->tok = T_NUMBER;
        if (j < lx->n && word_char((unsigned char)s[j])) {
            while (j < lx->n && word_char((unsigned char)s[j]))
                j++;
            lx->len = j - i;
            return lex_fail(lx, i, "expected a number or a date (YYYY-MM-DD)", "x");
        }
        return 0;
    }
    if (word_start(c)) {
        size_t j = i;
        while (j < lx->n && word_char((unsigned char)s[j]) && !is_ideographic_space(s, lx->n, j))
            j++;
        lx->tok = T_WORD;
        lx->len = j - i;
        lx->pos = j;
        return 0;
    }
    lx->tok = T_WORD;
    lx->len = 1;
    while (lx->len < 4 && i + lx->len < lx->n && ((unsigned char)s[i + lx->len] & 0xC0) == 0x80)
        lx->len++;
    return lex_fail(lx, i, "unexpected character", "x");
}

static int tok_is_kw(const struct lexer *lx, const char *kw)
{
    return lx->tok == T_WORD && lx->len == strlen(kw) &&
           !strncasecmp(lx->s + lx->start, kw, lx->len);
}

/* ---- tree ---- */

enum nkind { N_AND, N_OR, N_NOT, N_CMP, N_TRUE };

struct fval {
    int64_t i; /* int, date, enum, id */
    double d;  /* number as written (money, real) */
    char *s;   /* text as written */
    int is_num;
    size_t off; /* byte offset, for messages */
};

struct fnode {
    enum nkind kind;
    struct fnode *a, *b;
    const struct field_def *field;
    char *attr_key; /* F_ATTR */
    enum op op;
    struct fval *vals;
    int nvals;
    size_t off;
    /* prepared */
    char **attr_col;   /* F_ATTR: per customer value text or NULL */
    int attr_borrowed; /* attr_col's strings belong to the population */
    int32_t *tag_ids;  /* F_TAG with tag_names: per value its id, -1 none, -2 nobody's tag */
};

struct filter {
    struct fnode *root;
    char *text;
    int bound;
    const struct filter_population *pop;
    uint32_t n;
};

static struct fnode *node_new(enum nkind kind, size_t off)
{
    struct fnode *nd = xcalloc(1, sizeof(*nd));
    nd->kind = kind;
    nd->off = off;
    return nd;
}

static void node_free(struct fnode *nd, uint32_t n)
{
    int i;
    if (!nd)
        return;
    node_free(nd->a, n);
    node_free(nd->b, n);
    for (i = 0; i < nd->nvals; i++)
        free(nd->vals[i].s);
    free(nd->vals);
    free(nd->attr_key);
    if (nd->attr_col) {
        uint32_t c;
        for (c = 0; c < n && !nd->attr_borrowed; c++)
            free(nd->attr_col[c]);
        free(nd->attr_col);
    }
    free(nd->tag_ids);
    free(nd);
}

/* ---- parser ---- */

struct parser {
    struct lexer lx;
    int depth;
};

static struct fnode *parse_or(struct parser *p);

static const struct field_def *field_find(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < NFIELDS; i++)
        if (strlen(fields[i].name) == n && !strncasecmp(fields[i].name, s, n))
            return &fields[i];
    return NULL;
}

static const struct field_def attr_field = {"attr", F_ATTR, TY_ATTR};

static int enum_index(const char *(*name_of)(int), int count, const char *s)
{
    int i;
    for (i = 1; i < count; i++)
        if (!strcasecmp(name_of(i), s))
            return i;
    return -1;
}

static const char *state_name(int i)
{
    return cust_state_id((enum cust_state)i);
}
static const char *stage_name(int i)
{
    return cust_stage_id((enum cust_stage)i);
}
static const char *rfmseg_name(int i)
{
    return rfm_segment_id((enum rfm_segment)i);
}

static void enum_list(struct buf *b, const char *(*name_of)(int), int count)
{
    int i;
    for (i = 1; i < count; i++)
        buf_printf(b, "%s%s", i > 1 ? ", " : "", name_of(i));
}

/* Checks a value against the field's type and converts it; the lexer is on the value. */
static int parse_value(struct parser *p, const struct fnode *nd, struct fval *v)
{
    struct lexer *lx = &p->lx;
    const struct field_def *fd = nd->field;
    char msg[400];
    struct buf b;
    int rc = -1;
    if (lx->tok != T_WORD && lx->tok != T_NUMBER && lx->tok != T_DATE && lx->tok != T_STRING) {
        snprintf(msg, sizeof(msg), "expected a value for %s", fd->name);
        return lex_fail(lx, lx->start, msg, "x");
    }
    if (tok_is_kw(lx, "and") || tok_is_kw(lx, "or") || tok_is_kw(lx, "not") ||
        tok_is_kw(lx, "in")) {
        snprintf(msg, sizeof(msg), "expected a value for %s", fd->name);
        return lex_fail(lx, lx->start, msg, "x");
    }
    v->off = lx->start;
    v->s = lx->tok == T_STRING ? xstrdup(lx->text) : xstrndup(lx->s + lx->start, lx->len);
    buf_init(&b, 0);
    switch (fd->type) {
    case TY_STATE:
    case TY_STAGE:
    case TY_RFMSEG: {
        const char *(*nm)(int) = fd->type == TY_STATE   ? state_name
                                 : fd->type == TY_STAGE ? stage_name
                                                        : rfmseg_name;
        int cnt = fd->type == TY_STATE   ? CUST_STATE_COUNT
                  : fd->type == TY_STAGE ? CUST_STAGE_COUNT
                                         : RFM_SEG_COUNT;
        int k = enum_index(nm, cnt, v->s);
        if (k < 0) {
            buf_printf(&b, "expected one of ");
            enum_list(&b, nm, cnt);
            buf_printf(&b, " for %s", fd->name);
            lex_fail(lx, lx->start, b.data, "x");
            goto out;
        }
        v->i = k;
        break;
    }
    case TY_INT:
    case TY_MONEY:
    case TY_REAL: {
        char *end;
        if (lx->tok != T_NUMBER) {
            snprintf(msg, sizeof(msg), "expected a number for %s", fd->name);
            lex_fail(lx, lx->start, msg, "x");
            goto out;
        }
        v->d = strtod(v->s, &end);
        if (*end || !isfinite(v->d)) {
            snprintf(msg, sizeof(msg), "expected a number for %s", fd->name);
            lex_fail(lx, lx->start, msg, "x");
            goto out;
        }
        if (fd->type == TY_INT) {
            if (v->d != floor(v->d) || fabs(v->d) > 1e12) {
                snprintf(msg, sizeof(msg), "expected a whole number for %s", fd->name);
                lex_fail(lx, lx->start, msg, "x");
                goto out;
            }
            v->i = (int64_t)v->d;
        }
        v->is_num = 1;
        break;
    }
    case TY_DATE: {
        int32_t day;
        if (lx->tok != T_DATE || date_parse_iso(v->s, strlen(v->s), &day) < 0) {
            snprintf(msg, sizeof(msg), "expected a date YYYY-MM-DD for %s", fd->name);
            lex_fail(lx, lx->start, msg, "x");
            goto out;
        }
        v->i = day;
        break;
    }
    case TY_BOOL:
        if (!strcasecmp(v->s, "yes") || !strcasecmp(v->s, "true") || !strcmp(v->s, "1"))
            v->i = 1;
        else if (!strcasecmp(v->s, "no") || !strcasecmp(v->s, "false") || !strcmp(v->s, "0"))
            v->i = 0;
        else {
            snprintf(msg, sizeof(msg), "expected yes or no for %s", fd->name);
            lex_fail(lx, lx->start, msg, "x");
            goto out;
        }
        break;
    case TY_KIND:
        if (!strcasecmp(v->s, "person"))
            v->i = 0;
        else if (!strcasecmp(v->s, "company"))
            v->i = 1;
        else {
            lex_fail(lx, lx->start, "expected person or company for kind", "x");
            goto out;
        }
        break;
    case TY_ATTR: {
        char *end;
        double d = strtod(v->s, &end);
        if (lx->tok == T_NUMBER && !*end && isfinite(d)) {
            v->d = d;
            v->is_num = 1;
        }
        break;
    }
    case TY_LIST:
    case TY_SOURCE:
    case TY_OWNER:
    case TY_TAG:
        if (!strcasecmp(v->s, "none") && lx->tok != T_STRING)
            v->i = -1; /* "none": no value */
        break;
    }
    rc = lex_next(lx);
out:
    buf_release(&b);
    return rc;
}

static int op_allowed(const struct field_def *fd, enum op op)
{
    switch (fd->type) {
    case TY_INT:
    case TY_MONEY:
    case TY_REAL:
    case TY_DATE:
    case TY_ATTR:
        return 1;
    case TY_BOOL:
    case TY_KIND:
        return op == OP_EQ || op == OP_NE;
    default:
        return op == OP_EQ || op == OP_NE || op == OP_IN;
    }
}

static struct fnode *parse_comparison(struct parser *p)
{
    struct lexer *lx = &p->lx;
    struct fnode *nd;
    const struct field_def *fd;
    size_t off = lx->start;
    char msg[300];
    if (lx->tok != T_WORD || tok_is_kw(lx, "and") || tok_is_kw(lx, "or") || tok_is_kw(lx, "in")) {
        lex_fail(lx, lx->start, "expected a field name, 'not' or '('", "x");
        return NULL;
    }
    if (lx->len > 5 && !strncasecmp(lx->s + lx->start, "attr.", 5)) {
        fd = &attr_field;
    } else {
        fd = field_find(lx->s + lx->start, lx->len);
        if (!fd) {
            struct buf b;
            size_t i;
            buf_init(&b, 0);
            buf_puts(&b, "unknown field (fields: ");
            for (i = 0; filter_field_names[i]; i++)
                buf_printf(&b, "%s%s", i ? ", " : "", filter_field_names[i]);
            buf_puts(&b, ")");
            lex_fail(lx, lx->start, b.data, "x");
            buf_release(&b);
            return NULL;
        }
    }
    nd = node_new(N_CMP, off);
    nd->field = fd;
    if (fd == &attr_field)
        nd->attr_key = xstrndup(lx->s + lx->start + 5, lx->len - 5);
    if (lex_next(lx) < 0)
        goto fail;
    if (lx->tok == T_COLON) {
        nd->op = OP_EQ;
    } else if (lx->tok == T_OP) {
        nd->op = lx->op;
    } else if (tok_is_kw(lx, "in")) {
        nd->op = OP_IN;
    } else if (fd->type == TY_BOOL) {
        /* A bare boolean field: `consent` means `consent = yes`. */
        nd->op = OP_EQ;
        nd->vals = xcalloc(1, sizeof(struct fval));
        nd->nvals = 1;
        nd->vals[0].i = 1;
        nd->vals[0].s = xstrdup("yes");
        nd->vals[0].off = off;
        return nd;
    } else {
        snprintf(msg, sizeof(msg), "expected an operator (=, !=, <, <=, >, >=, in or ':') after %s",
                 fd->name);
        lex_fail(lx, lx->start, msg, "x");
        goto fail;
    }
    if (!op_allowed(fd, nd->op)) {
        snprintf(msg, sizeof(msg), "operator %s cannot be used with %s (use = or !=%s)",
                 op_text[nd->op], fd->name,
                 fd->type == TY_BOOL || fd->type == TY_KIND ? "" : " or in");
        lex_fail(lx, lx->start, msg, NULL);
        goto fail;
    }
    if (lex_next(lx) < 0)
        goto fail;
    if (nd->op == OP_IN) {
        if (lx->tok != T_LP) {
            lex_fail(lx, lx->start, "expected '(' after in", "x");
            goto fail;
        }
        if (lex_next(lx) < 0)
            goto fail;
        for (;;) {
            size_t cap = 0;
            nd->vals = xgrow(nd->vals, &cap, (size_t)nd->nvals + 1, sizeof(struct fval));
            memset(&nd->vals[nd->nvals], 0, sizeof(struct fval));
            nd->nvals++;
            if (parse_value(p, nd, &nd->vals[nd->nvals - 1]) < 0)
                goto fail;
            if (lx->tok == T_RP)
                break;
            if (lx->tok != T_COMMA) {
                lex_fail(lx, lx->start, "expected ',' or ')' in the list after in", "x");
                goto fail;
            }
            if (lex_next(lx) < 0)
                goto fail;
        }
        if (lex_next(lx) < 0)
            goto fail;
        return nd;
    }
    nd->vals = xcalloc(1, sizeof(struct fval));
    nd->nvals = 1;
    if (parse_value(p, nd, &nd->vals[0]) < 0)
        goto fail;
    return nd;
fail:
    node_free(nd, 0);
    return NULL;
}

static struct fnode *parse_unary(struct parser *p)
{
    struct lexer *lx = &p->lx;
    size_t off = lx->start;
    struct fnode *nd, *inner;
    if (++p->depth > 100) {
        lex_fail(lx, lx->start, "filter nested too deeply (more than 100 levels)", NULL);
        return NULL;
    }
    if (tok_is_kw(lx, "not")) {
        if (lex_next(lx) < 0)
            return NULL;
        inner = parse_unary(p);
        if (!inner)
            return NULL;
        nd = node_new(N_NOT, off);
        nd->a = inner;
        p->depth--;
        return nd;
    }
    if (lx->tok == T_LP) {
        if (lex_next(lx) < 0)
            return NULL;
        inner = parse_or(p);
        if (!inner)
            return NULL;
        if (lx->tok != T_RP) {
            lex_fail(lx, lx->start, "expected ')' or 'and'/'or'", "x");
            node_free(inner, 0);
            return NULL;
        }
        if (lex_next(lx) < 0) {
            node_free(inner, 0);
            return NULL;
        }
        p->depth--;
        return inner;
    }
    nd = parse_comparison(p);
    p->depth--;
    return nd;
}

static struct fnode *parse_and(struct parser *p)
{
    struct fnode *left = parse_unary(p), *right, *nd;
    while (left && tok_is_kw(&p->lx, "and")) {
        size_t off = p->lx.start;
        if (lex_next(&p->lx) < 0 || !(right = parse_unary(p))) {
            node_free(left, 0);
            return NULL;
        }
        nd = node_new(N_AND, off);
        nd->a = left;
        nd->b = right;
        left = nd;
    }
    return left;
}

static struct fnode *parse_or(struct parser *p)
{
    struct fnode *left = parse_and(p), *right, *nd;
    while (left && tok_is_kw(&p->lx, "or")) {
        size_t off = p->lx.start;
        if (lex_next(&p->lx) < 0 || !(right = parse_and(p))) {
            node_free(left, 0);
            return NULL;
        }
        nd = node_new(N_OR, off);
        nd->a = left;
        nd->b = right;
        left = nd;
    }
    return left;
}

struct filter *filter_parse(const char *text, struct ok_err *err)
{
    struct parser p;
    struct fnode *root;
    struct filter *f;
    memset(&p, 0, sizeof(p));
    p.lx.s = text ? text : "";
    p.lx.n = strlen(p.lx.s);
    p.lx.err = err;
    if (lex_next(&p.lx) < 0)
        goto fail;
    if (p.lx.tok == T_END) {
        /* An empty filter is "everyone": useful for "all customers" segments. */
        root = node_new(N_TRUE, 0);
    } else {
        root = parse_or(&p);
        if (!root)
            goto fail;
        if (p.lx.tok != T_END) {
            lex_fail(&p.lx, p.lx.start, "expected 'and', 'or' or the end of the filter", "x");
            node_free(root, 0);
            goto fail;
        }
    }
    free(p.lx.text);
    f = xcalloc(1, sizeof(*f));
    f->root = root;
    f->text = xstrdup(p.lx.s);
    return f;
fail:
    free(p.lx.text);
    return NULL;
}

/* ---- binding ---- */

static int bind_node(struct fnode *nd, const struct filter_resolver *r, const char *text,
                     struct ok_err *err)
{
    int i;
    if (!nd)
        return 0;
    if (bind_node(nd->a, r, text, err) < 0 || bind_node(nd->b, r, text, err) < 0)
        return -1;
    if (nd->kind != N_CMP)
        return 0;
    for (i = 0; i < nd->nvals; i++) {
        struct fval *v = &nd->vals[i];
        int64_t id;
        if (v->i == -1 && (nd->field->type == TY_LIST || nd->field->type == TY_OWNER))
            continue;
        if (nd->field->type == TY_LIST) {
            if (!r || !r->list_id)
                continue;
            id =
                r->list_id(r->ctx, nd->field->id == F_CAUSE ? "causes" : "lost_reasons", v->s, err);
        } else if (nd->field->type == TY_OWNER) {
            if (!r || !r->user_id)
                continue;
            id = r->user_id(r->ctx, v->s, err);
        } else {
            continue;
        }
        if (id < 0) {
            ok_err_prefix(err, "filter: position %ld (%s)", char_pos(text, v->off),
                          nd->field->name);
            ok_err_locate(err, "filter", 0);
            return -1;
        }
        v->i = id;
        v->is_num = 1; /* resolved */
    }
    return 0;
}

int filter_bind(struct filter *f, const struct filter_resolver *r, struct ok_err *err)
{
    if (bind_node(f->root, r, f->text, err) < 0)
        return -1;
    f->bound = r && r->list_id && r->user_id;
    return 0;
}

/* ---- prepare ---- */

char *filter_attr_text(json_t *v)
{
    char tmp[64];
    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
        return xstrdup(tmp);
    }
    if (json_is_real(v)) {
        snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
        return xstrdup(tmp);
    }
    if (json_is_true(v))
        return xstrdup("yes");
    if (json_is_false(v))
        return xstrdup("no");
    return NULL;
}

static int prepare_node(struct filter *f, struct fnode *nd, const struct filter_population *pop,
                        struct ok_err *err)
{
    int i;
    const char *missing = NULL;
    if (!nd)
        return 0;
    if (prepare_node(f, nd->a, pop, err) < 0 || prepare_node(f, nd->b, pop, err) < 0)
        return -1;
    if (nd->kind != N_CMP)
        return 0;
    switch (nd->field->id) {
    case F_P_ALIVE:
        if (!pop->p_alive)
            return ok_err_set(err, OK_ERR_INVALID,
                              "filter: position %ld: p_alive needs a fitted customer value model: "
                              "run `okaeri clv fit` first",
                              char_pos(f->text, nd->off));
        break;
    case F_CLV:
        if (!pop->clv)
            return ok_err_set(err, OK_ERR_INVALID,
                              "filter: position %ld: clv needs fitted purchase and spend models: "
                              "run `okaeri clv fit` (and `okaeri clv fit --model gamma-gamma`) "
                              "first",
                              char_pos(f->text, nd->off));
        break;
    case F_LOST_REASON:
        missing = pop->lost_reason ? NULL : "lost reasons";
        break;
    case F_TAG:
        free(nd->tag_ids);
        nd->tag_ids = NULL;
        if (pop->tag_names) {
            nd->tag_ids = xcalloc((size_t)nd->nvals, sizeof(int32_t));
            for (i = 0; i < nd->nvals; i++) {
                int32_t k;
                nd->tag_ids[i] = -2;
                if (nd->vals[i].i == -1) {
                    nd->tag_ids[i] = -1;
                    continue;
                }
                for (k = 0; k < pop->ntag_names; k++)
                    if (!strcasecmp(pop->tag_names[k], nd->vals[i].s))
                        nd->tag_ids[i] = k;
            }
        } else if (!pop->tags) {
            missing = "tags";
        }
        break;
    case F_CONSENT:
        missing = pop->consent ? NULL : "consent";
        break;
    case F_HAS_EMAIL:
        missing = pop->has_email ? NULL : "e-mail addresses";
        break;
    case F_KIND:
        missing = pop->is_company ? NULL : "customer kinds";
        break;
    case F_ATTR: {
        uint32_t c;
        size_t k, j;
        if (!pop->attributes && !pop->attr_columns) {
            missing = "custom attributes";
            break;
        }
        if (nd->attr_col) {
            for (c = 0; c < f->n && !nd->attr_borrowed; c++)
                free(nd->attr_col[c]);
            free(nd->attr_col);
        }
        nd->attr_col = xcalloc(pop->view->n ? pop->view->n : 1, sizeof(char *));
        nd->attr_borrowed = pop->attr_columns != NULL;
        if (pop->attr_columns) {
            for (k = 0; k < pop->nattr_columns; k++) {
                const struct filter_attr_column *col = &pop->attr_columns[k];
                if (strcmp(col->key, nd->attr_key))
                    continue;
                for (j = 0; j < col->n; j++)
                    if (col->cust[j] < pop->view->n)
                        nd->attr_col[col->cust[j]] = (char *)col->value[j];
            }
            break;
        }
        for (c = 0; c < pop->view->n; c++) {
            const char *t = pop->attributes[c];
            json_t *root, *v;
            if (!t || !*t || !strcmp(t, "{}"))
                continue;
            root = json_loads(t, 0, NULL);
            if (!root)
                continue;
            v = json_object_get(root, nd->attr_key);
            if (v)
                nd->attr_col[c] = filter_attr_text(v);
            json_decref(root);
        }
        break;
    }
    case F_REVENUE:
        for (i = 0; i < nd->nvals; i++)
            nd->vals[i].i = llround(nd->vals[i].d * pow(10, pop->money_decimals));
        break;
    case F_SOURCE:
        for (i = 0; i < nd->nvals; i++) {
            int32_t k;
            if (nd->vals[i].i == -1 && !nd->vals[i].is_num)
                continue;
            nd->vals[i].i = -2; /* a source nobody has */
            for (k = 0; k < pop->nsources; k++)
                if (pop->sources && !strcmp(pop->sources[k], nd->vals[i].s))
                    nd->vals[i].i = k;
        }
        break;
    case F_CAUSE:
    case F_OWNER:
        if (!f->bound)
            return ok_err_set(err, OK_ERR_INTERNAL, "filter: %s used before binding",
                              nd->field->name);
        break;
    default:
        break;
    }
    if (missing)
        return ok_err_set(err, OK_ERR_INTERNAL, "filter: the population has no %s", missing);
    if (nd->field->id == F_LOST_REASON && !f->bound)
        return ok_err_set(err, OK_ERR_INTERNAL, "filter: lost_reason used before binding");
    return 0;
}

int filter_prepare(struct filter *f, const struct filter_population *pop, struct ok_err *err)
{
    /* Attribute columns are sized by the previous population. */
    int rc = prepare_node(f, f->root, pop, err);
    f->pop = pop;
    f->n = pop->view->n;
    if (rc < 0)
        f->pop = NULL;
    return rc;
}

/* ---- evaluation ---- */

static int cmp_i64(int64_t a, enum op op, int64_t b)
{
    switch (op) {
    case OP_EQ:
    case OP_IN:
        return a == b;
    case OP_NE:
        return a != b;
    case OP_LT:
        return a < b;
    case OP_LE:
        return a <= b;
    case OP_GT:
        return a > b;
    case OP_GE:
        return a >= b;
    }
    return 0;
}

static int cmp_dbl(double a, enum op op, double b)
{
    switch (op) {
    case OP_EQ:
    case OP_IN:
        return a == b;
    case OP_NE:
        return a != b;
    case OP_LT:
        return a < b;
    case OP_LE:
        return a <= b;
    case OP_GT:
        return a > b;
    case OP_GE:
        return a >= b;
    }
    return 0;
}

/* Any of the values (=, in) or none of them (!=). */
static int match_set(const struct fnode *nd, int64_t x)
{
    int i;
    for (i = 0; i < nd->nvals; i++)
        if (nd->vals[i].i == x)
            return nd->op != OP_NE;
    return nd->op == OP_NE;
}

static int has_tag(const char *tags, const char *tag)
{
    size_t n = strlen(tag);
    const char *p = tags;
    if (!tags)
        return 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *a = p, *z = p + len;
        while (a < z && (*a == ' ' || *a == '\t'))
            a++;
        while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
            z--;
        if ((size_t)(z - a) == n && !strncasecmp(a, tag, n))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int eval_cmp(const struct filter *f, const struct fnode *nd, uint32_t c)
{
    const struct filter_population *pop = f->pop;
    const struct analytics_view *v = pop->view;
    const struct customer_metrics *m = &v->m[c];
    const struct ledger *l = pop->ledger;
    int64_t x;
    int i;
    switch (nd->field->id) {
    case F_STATE:
        return match_set(nd, v->state[c]);
    case F_STAGE:
        return match_set(nd, v->stage[c]);
    case F_RFM_SEGMENT:
        return match_set(nd, rfm_segment_of(v->r[c], v->f[c]));
    case F_RFM_R:
        return cmp_i64(v->r[c], nd->op, nd->vals[0].i);
    case F_RFM_F:
        return cmp_i64(v->f[c], nd->op, nd->vals[0].i);
    case F_RFM_M:
        return cmp_i64(v->mo[c], nd->op, nd->vals[0].i);
    case F_RECENCY:
        if (!m->purchase_days)
            return 0;
        return cmp_i64(v->as_of - m->last_day, nd->op, nd->vals[0].i);
    case F_ORDERS:
        return cmp_i64(m->orders, nd->op, nd->vals[0].i);
    case F_PURCHASE_DAYS:
        return cmp_i64(m->purchase_days, nd->op, nd->vals[0].i);
    case F_REVENUE:
        return cmp_i64(m->revenue, nd->op, nd->vals[0].i);
    case F_P_ALIVE:
        if (isnan(pop->p_alive[c]))
            return 0;
        return cmp_dbl(pop->p_alive[c], nd->op, nd->vals[0].d);
    case F_CLV:
        if (isnan(pop->clv[c]))
            return 0;
        return cmp_dbl(pop->clv[c], nd->op, nd->vals[0].d);
    case F_LAST_PURCHASE:
        if (!m->purchase_days)
            return 0;
        return cmp_i64(m->last_day, nd->op, nd->vals[0].i);
    case F_FIRST_PURCHASE:
        if (!m->purchase_days)
            return 0;
        return cmp_i64(m->first_day, nd->op, nd->vals[0].i);
    case F_CREATED:
        if (l->cust_created[c] == LEDGER_NO_DAY)
            return 0;
        return cmp_i64(l->cust_created[c], nd->op, nd->vals[0].i);
    case F_LOST_REASON:
        x = pop->lost_reason[c];
        return match_set(nd, x == LEDGER_NONE ? -1 : x);
    case F_CAUSE:
        x = l->cust_cause[c];
        return match_set(nd, x == LEDGER_NONE ? -1 : x);
    case F_SOURCE:
        x = l->cust_source[c];
        return match_set(nd, x == LEDGER_NONE ? -1 : x);
    case F_OWNER:
        x = l->cust_owner[c];
        return match_set(nd, x == LEDGER_NONE || x <= 0 ? -1 : x);
    case F_CONSENT:
        return cmp_i64(pop->consent[c], nd->op, nd->vals[0].i);
    case F_HAS_EMAIL:
        return cmp_i64(pop->has_email[c], nd->op, nd->vals[0].i);
    case F_KIND:
        return cmp_i64(pop->is_company[c], nd->op, nd->vals[0].i);
    case F_TAG: {
        const char *t;
        int any = 0;
        if (nd->tag_ids) {
            uint32_t s0 = pop->tag_start[c];
            int k, cnt = s0 == FILTER_NO_TAGS ? 0 : pop->tag_count[c];
            for (i = 0; i < nd->nvals && !any; i++) {
                int32_t want = nd->tag_ids[i];
                if (want == -1)
                    any = s0 == FILTER_NO_TAGS;
                for (k = 0; k < cnt && !any; k++)
                    any = pop->tag_pool[s0 + (uint32_t)k] == want;
            }
            return nd->op == OP_NE ? !any : any;
        }
        t = pop->tags[c];
        for (i = 0; i < nd->nvals && !any; i++) {
            if (nd->vals[i].i == -1)
                any = !t || !*t; /* tag:none = no tags at all */
            else
                any = has_tag(t, nd->vals[i].s);
        }
        return nd->op == OP_NE ? !any : any;
    }
    case F_ATTR: {
        const char *a = nd->attr_col ? nd->attr_col[c] : NULL;
        if (!a)
            return nd->op == OP_NE;
        if (nd->op == OP_IN) {
            for (i = 0; i < nd->nvals; i++)
                if (!strcmp(a, nd->vals[i].s))
                    return 1;
            return 0;
        }
        if (nd->vals[0].is_num) {
            char *end;
            double d = strtod(a, &end);
            if (*end || end == a)
                return nd->op == OP_NE;
            return cmp_dbl(d, nd->op, nd->vals[0].d);
        }
        return cmp_i64(strcmp(a, nd->vals[0].s), nd->op, 0);
    }
    }
    return 0;
}

static int eval_node(const struct filter *f, const struct fnode *nd, uint32_t c)
{
    switch (nd->kind) {
    case N_TRUE:
        return 1;
    case N_AND:
        return eval_node(f, nd->a, c) && eval_node(f, nd->b, c);
    case N_OR:
        return eval_node(f, nd->a, c) || eval_node(f, nd->b, c);
    case N_NOT:
        return !eval_node(f, nd->a, c);
    case N_CMP:
        return eval_cmp(f, nd, c);
    }
    return 0;
}

int filter_match(const struct filter *f, uint32_t c)
{
    if (!f->pop || c >= f->n || f->pop->view->state[c] == CUST_STATE_NONE)
        return 0;
    return eval_node(f, f->root, c);
}

/* Column at a time: out[c] = the node's value for every selected row (sel[c] != 0), 0 for the
 * others; sel and out never overlap. One field over all customers per loop walks each column in
 * order and leaves the tree walk out of the per-customer work; `and` and `or` still evaluate their
 * right side only where it decides the result, as filter_match's short-circuit does. */
static void eval_rows(const struct filter *f, const struct fnode *nd, const uint8_t *sel,
                      uint8_t *out)
{
    uint32_t c, n = f->n;
    uint8_t *tmp;
    switch (nd->kind) {
    case N_TRUE:
        memcpy(out, sel, n);
        return;
    case N_CMP:
        for (c = 0; c < n; c++)
            out[c] = sel[c] ? (uint8_t)(eval_cmp(f, nd, c) != 0) : 0;
        return;
    case N_AND:
        tmp = xmalloc(n ? n : 1);
        eval_rows(f, nd->a, sel, tmp);
        eval_rows(f, nd->b, tmp, out);
        free(tmp);
        return;
    case N_OR: {
        uint8_t *right = xmalloc(n ? n : 1);
        tmp = xmalloc(n ? n : 1);
        eval_rows(f, nd->a, sel, out);
        for (c = 0; c < n; c++)
            tmp[c] = sel[c] & !out[c];
        eval_rows(f, nd->b, tmp, right);
        for (c = 0; c < n; c++)
            out[c] |= right[c];
        free(tmp);
        free(right);
        return;
    }
    case N_NOT:
        eval_rows(f, nd->a, sel, out);
        for (c = 0; c < n; c++)
            out[c] = sel[c] & !out[c];
        return;
    }
}

size_t filter_select(const struct filter *f, uint32_t **out)
{
    size_t n = 0;
    uint32_t c;
    uint8_t *sel, *hit;
    *out = NULL;
    if (!f->pop || !f->n)
        return 0;
    sel = xmalloc(f->n);
    hit = xmalloc(f->n);
    for (c = 0; c < f->n; c++)
        sel[c] = f->pop->view->state[c] != CUST_STATE_NONE;
    eval_rows(f, f->root, sel, hit);
    for (c = 0; c < f->n; c++)
        n += hit[c];
    if (n) {
        size_t k = 0;
        *out = xmalloc(n * sizeof(uint32_t));
        for (c = 0; c < f->n; c++)
            if (hit[c])
                (*out)[k++] = c;
    }
    free(sel);
    free(hit);
    return n;
}

static int node_uses(const struct fnode *nd, const char *field)
{
    if (!nd)
        return 0;
    if (nd->kind == N_CMP && nd->field && !strcmp(nd->field->name, field))
        return 1;
    return node_uses(nd->a, field) || node_uses(nd->b, field);
}

int filter_uses(const struct filter *f, const char *field)
{
    return f && node_uses(f->root, field);
}

/* ---- printing ---- */

static void print_node(const struct fnode *nd, struct buf *out, int parent)
{
    int i;
    switch (nd->kind) {
    case N_TRUE:
        return;
    case N_AND:
    case N_OR: {
        int paren = parent == N_AND && nd->kind == N_OR;
        if (paren)
            buf_putc(out, '(');
        print_node(nd->a, out, nd->kind);
        buf_puts(out, nd->kind == N_AND ? " and " : " or ");
        print_node(nd->b, out, nd->kind);
        if (paren)
            buf_putc(out, ')');
        return;
    }
    case N_NOT:
        buf_puts(out, "not ");
        if (nd->a->kind == N_AND || nd->a->kind == N_OR) {
            buf_putc(out, '(');
            print_node(nd->a, out, N_NOT);
            buf_putc(out, ')');
        } else {
            print_node(nd->a, out, N_NOT);
        }
        return;
    case N_CMP:
        if (nd->field->id == F_ATTR)
            buf_printf(out, "attr.%s", nd->attr_key);
        else
            buf_puts(out, nd->field->name);
        buf_printf(out, " %s ", op_text[nd->op]);
        if (nd->op == OP_IN)
            buf_putc(out, '(');
        for (i = 0; i < nd->nvals; i++) {
            const char *s = nd->vals[i].s;
            int quote = 0;
            const char *q;
            for (q = s; *q; q++)
                if (!word_char((unsigned char)*q))
                    quote = 1;
            if (!*s || (!word_start((unsigned char)*s) && !nd->vals[i].is_num &&
                        nd->field->type != TY_DATE))
                quote = 1;
            if (i)
                buf_puts(out, ", ");
            if (quote) {
                buf_putc(out, '"');
                for (q = s; *q; q++) {
                    if (*q == '"' || *q == '\\')
                        buf_putc(out, '\\');
                    buf_putc(out, *q);
                }
                buf_putc(out, '"');
            } else {
                buf_puts(out, s);
            }
        }
        if (nd->op == OP_IN)
            buf_putc(out, ')');
        return;
    }
}

void filter_to_text(const struct filter *f, struct buf *out)
{
    print_node(f->root, out, -1);
}

void filter_free(struct filter **f)
{
    if (!*f)
        return;
    node_free((*f)->root, (*f)->n);
    free((*f)->text);
    free(*f);
    *f = NULL;
}

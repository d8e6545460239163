/*
 * template.c - checking and rendering {{placeholder}} templates.
 */
#include "automation/template.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

const char *const template_var_names[TPL_COUNT] = {
    "name",         "name_kana",       "code",       "company",     "owner",
    "last_product", "last_purchase",   "days_since", "lost_reason", "deal",
    "business",     "unsubscribe_url", "today"};

static long char_pos(const char *s, size_t off)
{
    long p = 1;
    size_t i;
    for (i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            p++;
    return p;
}

/* Parses the placeholder starting at text[i] == '{' '{'. Sets *var and *end (just past "}}").
 * Returns 0 or -1 with err. */
static int parse_placeholder(const char *text, size_t i, const char *what, int *var, size_t *end,
                             struct ok_err *err)
{
    size_t a = i + 2, z;
    const char *close = strstr(text + a, "}}");
    int k;
    if (!close) {
        ok_err_set(err, OK_ERR_INVALID,
                   "%s: position %ld: '{{' is not closed by '}}' (write {{name}} etc.)", what,
                   char_pos(text, i));
        ok_err_locate(err, what, 0);
        return -1;
    }
    z = (size_t)(close - text);
    while (a < z && text[a] == ' ')
        a++;
    while (z > a && text[z - 1] == ' ')
        z--;
    for (k = 0; k < TPL_COUNT; k++) {
        if (strlen(template_var_names[k]) == z - a &&
            !memcmp(template_var_names[k], text + a, z - a)) {
            *var = k;
            *end = (size_t)(close - text) + 2;
            return 0;
        }
    }
    {
        char known[400];
        size_t n = 0;
        int j;
        known[0] = 0;
        for (j = 0; j < TPL_COUNT && n < sizeof(known); j++)
            n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", j ? ", " : "",
                                  template_var_names[j]);
        ok_err_set(err, OK_ERR_INVALID,
                   "%s: position %ld: unknown placeholder {{%.*s}} (known: %s)", what,
                   char_pos(text, i), (int)(z - a > 60 ? 60 : z - a), text + a, known);
        ok_err_locate(err, what, 0);
    }
    return -1;
}

int template_check(const char *text, const char *what, struct ok_err *err)
{
    size_t i = 0;
    if (!text)
        return 0;
    while (text[i]) {
        if (text[i] == '{' && text[i + 1] == '{') {
            int var;
            size_t end;
            if (parse_placeholder(text, i, what, &var, &end, err) < 0)
                return -1;
            i = end;
        } else {
            i++;
        }
    }
    return 0;
}

void template_html_escape(struct buf *out, const char *s)
{
    const char *p = s, *run = s;
    for (; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        buf_append(out, run, (size_t)(p - run));
        buf_puts(out, rep);
        run = p + 1;
    }
    buf_append(out, run, (size_t)(p - run));
}

static void put_literal(struct buf *out, const char *s, size_t n, int html)
{
    size_t i, run = 0;
    if (!html) {
        buf_append(out, s, n);
        return;
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '\n') {
            char tmp[1024];
            size_t len = i - run;
            while (len) {
                size_t k = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
                memcpy(tmp, s + run, k);
                tmp[k] = 0;
                template_html_escape(out, tmp);
                run += k;
                len -= k;
            }
            buf_puts(out, "<br>\n");
            run = i + 1;
        }
    }
    while (run < n) {
        char tmp[1024];
        size_t k = n - run < sizeof(tmp) - 1 ? n - run : sizeof(tmp) - 1;
        memcpy(tmp, s + run, k);
        tmp[k] = 0;
        template_html_escape(out, tmp);
        run += k;
    }
}

int template_render(const char *text, const struct template_vars *vars, int html, struct buf *out,
                    struct ok_err *err)
{
    size_t i = 0, lit = 0;
    if (!text)
        return 0;
    while (text[i]) {
        int var;
        size_t end;
        const char *v;
        if (text[i] != '{' || text[i + 1] != '{') {
            i++;
            continue;
        }
        put_literal(out, text + lit, i - lit, html);
        if (parse_placeholder(text, i, "template", &var, &end, err) < 0)
            return -1;
        v = vars ? vars->v[var] : NULL;
        if ((!v || !*v) && var == TPL_NAME)
            v = "お客様";
        if (v) {
            if (html) /* URLs too: an & in a query must be &amp; in HTML */
                template_html_escape(out, v);
            else
                buf_puts(out, v);
        }
        i = lit = end;
    }
    put_literal(out, text + lit, i - lit, html);
    return 0;
}

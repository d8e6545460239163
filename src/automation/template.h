/*
 * template.h - playbook message templates: subject and body text with placeholders such as
 * {{name}}, {{owner}} and {{last_product}}, filled with one customer's data.
 *
 * A placeholder is "{{", optional spaces, a known name, optional spaces, "}}". Templates are
 * checked when a playbook is saved (template_check): an unknown name or a "{{" without its "}}"
 * is rejected with the character position. Rendering never fails on a checked template; values
 * are copied as UTF-8 text (HTML-escaped in the HTML rendering). A missing value renders as
 * the empty string, except where a fallback reads better ({{name}} falls back to "お客様").
 */
#ifndef OK_AUTOMATION_TEMPLATE_H
#define OK_AUTOMATION_TEMPLATE_H

#include "core/buf.h"
#include "core/err.h"

enum template_var {
    TPL_NAME,            /* customer's name */
    TPL_NAME_KANA,       /* reading */
    TPL_CODE,            /* customer code */
    TPL_COMPANY,         /* customer's company */
    TPL_OWNER,           /* owner's display name, else the team */
    TPL_LAST_PRODUCT,    /* name of the product last bought */
    TPL_LAST_PURCHASE,   /* date of the last purchase (YYYY-MM-DD) */
    TPL_DAYS_SINCE,      /* days since the last purchase */
    TPL_LOST_REASON,     /* label of the reason of the deal lost */
    TPL_DEAL,            /* title of the deal of the enrolment */
    TPL_BUSINESS,        /* company_name setting: the business's own name */
    TPL_UNSUBSCRIBE_URL, /* the customer's unsubscribe link (e-mail only) */
    TPL_TODAY,           /* the run's date */
    TPL_COUNT
};

/* Placeholder names in enum order ("name", "name_kana", ...). */
extern const char *const template_var_names[TPL_COUNT];

/* Values by enum template_var; NULL entries render empty (or their fallback). Borrowed. */
struct template_vars {
    const char *v[TPL_COUNT];
};

/* Checks text: every "{{" closed by "}}" with a known name. err->field is set to `what`
 * ("subject", "steps[2].body" ...). Returns 0 or -1 with err ("position 12: unknown placeholder
 * {{nmae}} (known: name, ...)"). */
int template_check(const char *text, const char *what, struct ok_err *err);

/* Appends text with its placeholders replaced. html: escape values (& < > " ') and turn line
 * breaks of the template into <br>. Returns 0, or -1 with err for a malformed template. */
int template_render(const char *text, const struct template_vars *vars, int html, struct buf *out,
                    struct ok_err *err);

/* Appends s HTML-escaped. */
void template_html_escape(struct buf *out, const char *s);

#endif

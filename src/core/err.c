/*
 * err.c - filling and describing struct ok_err.
 */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/banned.h"

void ok_err_clear(struct ok_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
}

int ok_err_vsetf(struct ok_err *err, const char *file, int line, enum ok_err_code code,
                 const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->code = code;
    err->file = file;
    err->line = line;
    err->field[0] = '\0';
    err->input_line = 0;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return -1;
}

int ok_err_setf(struct ok_err *err, const char *file, int line, enum ok_err_code code,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ok_err_vsetf(err, file, line, code, fmt, ap);
    va_end(ap);
    return -1;
}

void ok_err_locate(struct ok_err *err, const char *field, long input_line)
{
    if (!err)
        return;
    if (field)
        snprintf(err->field, sizeof(err->field), "%s", field);
    if (input_line > 0)
        err->input_line = input_line;
}

void ok_err_prefix(struct ok_err *err, const char *fmt, ...)
{
    char prefix[256];
    char old[sizeof(err->message)];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof(old));
    {
        struct buf b;
        buf_init(&b, sizeof(err->message) - 1);
        buf_puts(&b, prefix);
        buf_puts(&b, ": ");
        buf_append(&b, old, strnlen(old, sizeof(old)));
        memcpy(err->message, b.data, b.len + 1);
        buf_release(&b);
    }
}

const char *ok_err_code_name(enum ok_err_code code)
{
    switch (code) {
    case OK_ERR_NONE:
        return "none";
    case OK_ERR_INVALID:
        return "invalid";
    case OK_ERR_NOT_FOUND:
        return "not_found";
    case OK_ERR_CONFLICT:
        return "conflict";
    case OK_ERR_USAGE:
        return "usage";
    case OK_ERR_IO:
        return "io";
    case OK_ERR_DB:
        return "db";
    case OK_ERR_VERSION:
        return "version";
    case OK_ERR_LIMIT:
        return "limit";
    case OK_ERR_AUTH:
        return "unauthorized";
    case OK_ERR_FORBIDDEN:
        return "forbidden";
    case OK_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}

/*
 * json_out.c - JSON string escaping and number formatting.
 */
#include "core/json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

void json_out_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    if (n == (size_t)-1)
        n = strlen(s);
    buf_putc(b, '"');
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            run++;
            continue;
        }
        if (c >= 0x80) {
            len = utf8_seq_len(p + i, n - i);
            if (len) {
                i += len;
                run += len;
                continue;
            }
        }
        buf_append(b, p + i - run, run);
        run = 0;
        switch (c) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20) {
                char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                buf_puts(b, esc);
            } else {
                buf_puts(b, "\xEF\xBF\xBD"); /* invalid UTF-8 byte */
            }
        }
        i++;
    }
    buf_append(b, p + i - run, run);
    buf_putc(b, '"');
}

void json_out_key(struct buf *b, const char *key)
{
    buf_putc(b, '"');
    buf_puts(b, key);
    buf_puts(b, "\":");
}

void json_out_i64(struct buf *b, int64_t v)
{
    buf_put_i64(b, v);
}

void json_out_double(struct buf *b, double v)
{
    if (!isfinite(v)) {
        buf_puts(b, "null");
        return;
    }
    /* Shortest of %.15g / %.17g that reads back exactly, so 0.1 prints as 0.1. */
    {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v)
            snprintf(tmp, sizeof(tmp), "%.17g", v);
        buf_puts(b, tmp);
    }
}

void json_out_field_string(struct buf *b, int *first, const char *key, const char *value)
{
    if (!*first)
        buf_putc(b, ',');
    *first = 0;
    json_out_key(b, key);
    json_out_string(b, value, (size_t)-1);
}

void json_out_field_i64(struct buf *b, int *first, const char *key, int64_t v)
{
    if (!*first)
        buf_putc(b, ',');
    *first = 0;
    json_out_key(b, key);
    json_out_i64(b, v);
}

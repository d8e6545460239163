/*
 * mail.c - MIME message building (RFC 5322, 2045-2047, 2369, 8058) and SMTP sending with
 * libcurl.
 */
#include "automation/mail.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/mem.h"
#include "store/store.h"
#include "core/banned.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_append(struct buf *out, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        char q[4] = {b64[p[i] >> 2], b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], b64[p[i + 2] & 63]};
        buf_append(out, q, 4);
    }
    if (n - i == 1) {
        char q[4] = {b64[p[i] >> 2], b64[(p[i] & 3) << 4], '=', '='};
        buf_append(out, q, 4);
    } else if (n - i == 2) {
        char q[4] = {b64[p[i] >> 2], b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     b64[(p[i + 1] & 15) << 2], '='};
        buf_append(out, q, 4);
    }
}

void mail_base64_lines(struct buf *out, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;
    /* 57 input bytes make one 76-character line. */
    for (i = 0; i < n; i += 57) {
        base64_append(out, p + i, n - i < 57 ? n - i : 57);
        buf_puts(out, "\r\n");
    }
}

static int needs_encoding(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++)
        if (*p >= 0x80 || *p < 0x20 || (p[0] == '=' && p[1] == '?'))
            return 1;
    return 0;
}

void mail_encode_header(struct buf *out, const char *s, size_t used)
{
    size_t n, i = 0;
    int first = 1;
    char *clean = NULL;
    if (!s)
        return;
    if (!needs_encoding(s)) {
        buf_puts(out, s);
        return;
    }
    n = strlen(s);
    for (i = 0; i < n && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f; i++)
        ;
    if (i < n) {
        /* A name or subject with CR/LF (a customer record, a template) stays one line even
         * decoded: readers refuse an address whose display name holds a line break. */
        clean = xstrdup(s);
        for (; i < n; i++)
            if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
                clean[i] = ' ';
        s = clean;
    }
    i = 0;
    while (i < n) {
        /* An encoded word is at most 75 characters (RFC 2047 §2): 12 of them are the
         * "=?UTF-8?B?" "?=" frame; lines stay within 76 characters. */
        size_t room = first ? (used < 60 ? 76 - used : 16) : 75;
        size_t chars = room - 12, take = chars / 4 * 3;
        if (take > n - i)
            take = n - i;
        else
            while (take > 0 && ((unsigned char)s[i + take] & 0xC0) == 0x80)
                take--; /* never split a UTF-8 character between two words */
        if (take == 0)
            take = 1;
        if (!first)
            buf_puts(out, "\r\n ");
        buf_puts(out, "=?UTF-8?B?");
        base64_append(out, (const unsigned char *)s + i, take);
        buf_puts(out, "?=");
        i += take;
        first = 0;
    }
    free(clean);
}

static int b64_val(int c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static int base64_decode(const char *s, size_t n, struct buf *out)
{
    unsigned v = 0;
    int bits = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        int d;
        if (s[i] == '=' || s[i] == '\r' || s[i] == '\n')
            continue;
        d = b64_val((unsigned char)s[i]);
        if (d < 0)
            return -1;
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((v >> bits) & 0xFF));
        }
    }
    return 0;
}

int mail_decode_header(const char *s, struct buf *out)
{
    const char *p = s;
    while (*p) {
        const char *q;
        if (!strncmp(p, "=?", 2)) {
            const char *enc = strchr(p + 2, '?'), *end;
            if (!enc || (enc[1] != 'B' && enc[1] != 'b') || enc[2] != '?')
                return -1;
            end = strstr(enc + 3, "?=");
            if (!end || base64_decode(enc + 3, (size_t)(end - enc - 3), out) < 0)
                return -1;
            p = end + 2;
            /* whitespace between two encoded words is not part of the text (§6.2) */
            q = p;
            while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
                q++;
            if (!strncmp(q, "=?", 2))
                p = q;
            continue;
        }
        buf_putc(out, *p++);
    }
    return 0;
}

static int addr_ok(const char *a)
{
    return a && *a && !strpbrk(a, "\r\n<>\"") && strchr(a, '@');
}

static void put_address(struct buf *out, const char *hdr, const char *name, const char *addr)
{
    buf_printf(out, "%s: ", hdr);
    if (name && *name) {
        if (needs_encoding(name)) {
            mail_encode_header(out, name, strlen(hdr) + 2);
        } else {
            const char *p;
            buf_putc(out, '"');
            for (p = name; *p; p++) {
                if (*p == '"' || *p == '\\')
                    buf_putc(out, '\\');
                buf_putc(out, *p);
            }
            buf_putc(out, '"');
        }
        buf_printf(out, " <%s>\r\n", addr);
    } else {
        buf_printf(out, "%s\r\n", addr);
    }
}

static void put_part(struct buf *out, const char *type, const char *body)
{
    buf_printf(out, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
               type);
    mail_base64_lines(out, body ? body : "", body ? strlen(body) : 0);
}

int mail_build(const struct mail_message *m, struct buf *out, struct ok_err *err)
{
    char date[64], boundary[64];
    struct tm tm;
    time_t t;
    if (!addr_ok(m->from_addr))
        return ok_err_set(err, OK_ERR_INVALID,
                          "the sender address '%s' is not valid (set smtp.from)",
                          m->from_addr ? m->from_addr : "");
    if (!addr_ok(m->to_addr))
        return ok_err_set(err, OK_ERR_INVALID, "the recipient address '%s' is not valid",
                          m->to_addr ? m->to_addr : "");
    t = (time_t)(m->date_unix ? m->date_unix : date_now_unix());
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    put_address(out, "From", m->from_name, m->from_addr);
    put_address(out, "To", m->to_name, m->to_addr);
    buf_puts(out, "Subject: ");
    mail_encode_header(out, m->subject ? m->subject : "", 9);
    buf_printf(out, "\r\nDate: %s\r\n", date);
    if (m->message_id && *m->message_id && !strpbrk(m->message_id, "\r\n<>"))
        buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
    if (m->unsubscribe_url && *m->unsubscribe_url && !strpbrk(m->unsubscribe_url, "\r\n<>")) {
        buf_printf(out, "List-Unsubscribe: <%s>\r\n", m->unsubscribe_url);
        buf_puts(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    buf_puts(out, "MIME-Version: 1.0\r\n");
    if (!m->html) {
        put_part(out, "text/plain", m->text);
        return 0;
    }
    /* The boundary must not occur in the parts; base64 never contains '=' runs with '_'. */
    snprintf(boundary, sizeof(boundary), "=_okaeri_%08lx%08lx", (unsigned long)t,
             (unsigned long)(out->len * 2654435761u));
    buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    buf_printf(out, "--%s\r\n", boundary);
    put_part(out, "text/plain", m->text);
    buf_printf(out, "--%s\r\n", boundary);
    put_part(out, "text/html", m->html);
    buf_printf(out, "--%s--\r\n", boundary);
    return 0;
}

/* ---- configuration ---- */

static void set_opt(char **field, const char *v)
{
    free(*field);
    *field = v && *v ? xstrdup(v) : NULL;
}

static int starttls_of(const char *v)
{
    if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
        return 0;
    if (!strcmp(v, "required") || !strcmp(v, "require") || !strcmp(v, "2"))
        return 2;
    return 1;
}

static int on_setting(void *ctx, const char *key, const char *value, struct ok_err *err)
{
    struct mail_config *c = ctx;
    if (!strcmp(key, "smtp.url"))
        set_opt(&c->url, value);
    else if (!strcmp(key, "smtp.from"))
        set_opt(&c->from, value);
    else if (!strcmp(key, "smtp.from_name"))
        set_opt(&c->from_name, value);
    else if (!strcmp(key, "smtp.user"))
        set_opt(&c->user, value);
    else if (!strcmp(key, "smtp.password"))
        set_opt(&c->password, value);
    else if (!strcmp(key, "smtp.starttls"))
        c->starttls = starttls_of(value);
    else if (!strcmp(key, "company_name") && !c->from_name)
        set_opt(&c->from_name, value);
    return 0;
}

int mail_config_load(struct db *db, struct mail_config *c, int *configured, struct ok_err *err)
{
    const char *e;
    memset(c, 0, sizeof(*c));
    c->starttls = 1;
    c->timeout_s = 30;
    if (db && store_settings_each(db, on_setting, c, err) < 0)
        return -1;
    if ((e = getenv("OKAERI_SMTP_URL")) && *e)
        set_opt(&c->url, e);
    if ((e = getenv("OKAERI_SMTP_FROM")) && *e)
        set_opt(&c->from, e);
    if ((e = getenv("OKAERI_SMTP_USER")) && *e)
        set_opt(&c->user, e);
    if ((e = getenv("OKAERI_SMTP_PASSWORD")) && *e)
        set_opt(&c->password, e);
    if ((e = getenv("OKAERI_SMTP_STARTTLS")) && *e)
        c->starttls = starttls_of(e);
    if (c->url && strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8))
        return ok_err_set(err, OK_ERR_INVALID,
                          "smtp.url '%s' must start with smtp:// or smtps:// (e.g. "
                          "smtp://mail.example.jp:587)",
                          c->url);
    if (configured)
        *configured = c->url && c->from;
    return 0;
}

void mail_config_release(struct mail_config *c)
{
    free(c->url);
    free(c->from);
    free(c->from_name);
    free(c->user);
    free(c->password);
    memset(c, 0, sizeof(*c));
}

/* ---- sending ---- */

struct upload {
    const char *data;
    size_t len, off;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct upload *u = userp;
    size_t room = size * nmemb, left = u->len - u->off;
    size_t n = left < room ? left : room;
    memcpy(ptr, u->data + u->off, n);
    u->off += n;
    return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mail_send(const struct mail_config *c, const char *rcpt, const char *message, size_t len,
              struct ok_err *err)
{
    CURL *h;
    CURLcode rc;
    struct curl_slist *rcpts = NULL;
    struct upload up = {message, len, 0};
    char errbuf[CURL_ERROR_SIZE];
    char from[600];
    int ret = -1;
    if (!c->url || !c->from)
        return ok_err_set(err, OK_ERR_INVALID,
                          "e-mail is not configured: set smtp.url and smtp.from (or "
                          "OKAERI_SMTP_URL and OKAERI_SMTP_FROM)");
    pthread_once(&curl_once, curl_init_once);
    h = curl_easy_init();
    if (!h)
        return ok_err_set(err, OK_ERR_INTERNAL, "libcurl could not start");
    errbuf[0] = 0;
    snprintf(from, sizeof(from), "<%s>", c->from);
    rcpts = curl_slist_append(rcpts, rcpt);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 30L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (c->starttls && !strncmp(c->url, "smtp://", 7))
        curl_easy_setopt(h, CURLOPT_USE_SSL,
                         c->starttls == 2 ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (c->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        ok_err_set(err, OK_ERR_IO, "sending to %s failed: %s%s (SMTP reply %ld)", rcpt,
                   errbuf[0] ? errbuf : curl_easy_strerror(rc), "", code);
        goto out;
    }
    ret = 0;
out:
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(h);
    return ret;
}

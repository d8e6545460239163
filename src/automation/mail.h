/*
 * mail.h - building Internet messages (RFC 5322 + MIME) for okaeri's e-mails and sending them
 * over SMTP with libcurl.
 *
 * Every message is UTF-8: header texts that are not plain ASCII (subjects and display names in
 * Japanese) are RFC 2047 "B" encoded words of at most 75 characters, never splitting a UTF-8
 * character; the body is multipart/alternative with a text/plain and a text/html part, each
 * base64 encoded (lines of 76). Marketing messages carry List-Unsubscribe (RFC 2369) and
 * List-Unsubscribe-Post (RFC 8058 one-click) headers.
 *
 * SMTP configuration comes from the settings table (smtp.url, smtp.from, smtp.user,
 * smtp.password, smtp.starttls) overridden by the environment (OKAERI_SMTP_URL, OKAERI_SMTP_FROM,
 * OKAERI_SMTP_USER, OKAERI_SMTP_PASSWORD, OKAERI_SMTP_STARTTLS); see docs/automation.md.
 */
#ifndef OK_AUTOMATION_MAIL_H
#define OK_AUTOMATION_MAIL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

struct mail_message {
    const char *from_addr;       /* required */
    const char *from_name;       /* display name (any UTF-8), may be NULL */
    const char *to_addr;         /* required */
    const char *to_name;         /* may be NULL */
    const char *subject;         /* UTF-8 */
    const char *text;            /* text/plain body, UTF-8 */
    const char *html;            /* text/html body; NULL: text only (single part) */
    const char *unsubscribe_url; /* NULL: no List-Unsubscribe headers */
    const char *message_id;      /* without <>; NULL: none */
    int64_t date_unix;           /* Date header; 0: now */
};

/* Appends s as RFC 2047 encoded words (=?UTF-8?B?...?=) when it needs encoding, else as is.
 * `used` is the length of the header line before s (e.g. strlen("Subject: ")), so that folded
 * lines stay within 78 characters; words are separated by CRLF SPACE. */
void mail_encode_header(struct buf *out, const char *s, size_t used);

/* Appends the base64 of data with CRLF every 76 characters (RFC 2045 §6.8). */
void mail_base64_lines(struct buf *out, const void *data, size_t n);

/* Appends a complete message (headers, blank line, body) with CRLF line ends. Returns 0, or -1
 * with err when an address is missing or contains CR/LF or angle brackets. */
int mail_build(const struct mail_message *m, struct buf *out, struct ok_err *err);

/* Decodes one RFC 2047 encoded word sequence (as mail_encode_header writes it) back to UTF-8:
 * for tests and for reading headers. Returns 0 or -1. */
int mail_decode_header(const char *s, struct buf *out);

struct mail_config {
    char *url;  /* smtp://host:port or smtps://host:port */
    char *from; /* envelope and header From address */
    char *from_name;
    char *user; /* NULL: no authentication */
    char *password;
    int starttls;   /* 0 off, 1 try, 2 required */
    long timeout_s; /* per message */
};

/* Reads the configuration: settings rows smtp.* then the environment. *configured is 1 when a
 * URL and a From address are known. Caller releases with mail_config_release. */
int mail_config_load(struct db *db, struct mail_config *c, int *configured, struct ok_err *err);
void mail_config_release(struct mail_config *c);

/* Sends one message (as built by mail_build) to rcpt over SMTP. Returns 0, or -1 with err
 * (OK_ERR_IO, the message includes the server's reply or libcurl's reason). */
int mail_send(const struct mail_config *c, const char *rcpt, const char *message, size_t len,
              struct ok_err *err);

#endif

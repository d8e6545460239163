/*
 * cli.c - helpers shared by the command modules.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/money.h"
#include "db/migrate.h"
#include "core/banned.h"

struct db *cli_open_db(struct cli *cli, int flags)
{
    struct ok_err err;
    struct db *db;
    ok_err_clear(&err);
    db = db_open(cli->db_target, flags, &err);
    if (!db) {
        cli_fail(&err);
        return NULL;
    }
    if (migrate_check(db, &err) < 0) {
        cli_fail(&err);
        db_close(&db);
        return NULL;
    }
    return db;
}

int cli_fail(const struct ok_err *err)
{
    struct buf where;
    buf_init(&where, 256);
    if (err->field[0])
        buf_printf(&where, "field %s", err->field);
    if (err->input_line > 0)
        buf_printf(&where, "%sline %ld", where.len ? ", " : "", err->input_line);
    if (where.len)
        fprintf(stderr, "okaeri: %s (%s)\n", err->message[0] ? err->message : "error", where.data);
    else
        fprintf(stderr, "okaeri: %s\n", err->message[0] ? err->message : "error");
    if (getenv("OKAERI_DEBUG_ERRORS") && err->file)
        fprintf(stderr, "  (raised at %s:%d)\n", err->file, err->line);
    buf_release(&where);
    return err->code == OK_ERR_USAGE ? EXIT_USAGE : EXIT_ERROR;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "okaeri%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry `okaeri %s%s--help`.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

int cli_format_parse(const char *s, enum cli_format *out)
{
    if (!strcmp(s, "table"))
        *out = CLI_FORMAT_TABLE;
    else if (!strcmp(s, "csv"))
        *out = CLI_FORMAT_CSV;
    else if (!strcmp(s, "json"))
        *out = CLI_FORMAT_JSON;
    else
        return -1;
    return 0;
}

int cli_write_stdout(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

void cli_print_table(const struct table *t, enum cli_format format)
{
    struct buf out;
    buf_init(&out, 0);
    switch (format) {
    case CLI_FORMAT_TABLE:
        table_render_text(t, &out);
        break;
    case CLI_FORMAT_CSV:
        table_render_csv(t, &out);
        break;
    case CLI_FORMAT_JSON:
        table_render_json(t, &out);
        buf_putc(&out, '\n');
        break;
    }
    fflush(stdout);
    cli_write_stdout(out.data, out.len);
    buf_release(&out);
}

int cli_parse_money(struct db *db, const char *s, int64_t *minor, struct ok_err *err)
{
    char code[8] = "JPY";
    const struct currency *cur;
    struct db_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = 'currency'", err);
    if (!st)
        return -1;
    if (db_step(st, err) == DB_ROW)
        snprintf(code, sizeof(code), "%s", db_column_text(st, 0));
    db_stmt_free(&st);
    cur = currency_find(code);
    return money_parse(s, strlen(s), cur ? cur->scale : 0, minor, err);
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max,
                  int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        cli_usage(cmd, "%s needs a whole number between %lld and %lld, not '%s'", opt,
                  (long long)min, (long long)max, s);
        return -1;
    }
    *out = v;
    return 0;
}

/*
 * cli.h - what the command modules share: opening the database, reporting errors with the right
 * exit code, option parsing helpers and output formats.
 *
 * Exit codes: 0 ok, 1 error (bad data, missing record, database trouble), 2 usage (wrong
 * command line). Errors go to stderr as "okaeri: what (field, line): how to fix".
 */
#ifndef OK_CLI_CLI_H
#define OK_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/table.h"
#include "db/db.h"
#include "store/store.h"

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

struct cli {
    const char *db_target; /* --db, else $OKAERI_DB, else ./okaeri.db */
    struct store_actor actor;
};

/* A command: name, one-line summary, and the function run with argv[0] = the command name. */
struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Opens the database and checks that its schema is current. Prints the error and returns NULL
 * on failure. */
struct db *cli_open_db(struct cli *cli, int flags);

/* Prints err to stderr and returns the exit code for it (2 for usage errors, else 1). */
int cli_fail(const struct ok_err *err);
/* Prints "okaeri CMD: message" and a hint to use --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };
/* Parses table|csv|json; -1 when unknown. */
int cli_format_parse(const char *s, enum cli_format *out);
/* Writes a report table to stdout in the format. */
void cli_print_table(const struct table *t, enum cli_format format);

/* Parses an amount in the database currency's minor units (reads the currency setting). */
int cli_parse_money(struct db *db, const char *s, int64_t *minor, struct ok_err *err);
/* Parses a strictly positive or zero integer option; returns -1 with a usage message. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max,
                  int64_t *out);

/* Writes the whole buffer to stdout; returns -1 on a write error (e.g. closed pipe). */
int cli_write_stdout(const char *data, size_t len);

/* The commands, one file each. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_customer(struct cli *cli, int argc, char **argv);
int cmd_order(struct cli *cli, int argc, char **argv);
int cmd_deal(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_clv(struct cli *cli, int argc, char **argv);
int cmd_segment(struct cli *cli, int argc, char **argv);
int cmd_playbook(struct cli *cli, int argc, char **argv);
int cmd_task(struct cli *cli, int argc, char **argv);
int cmd_automate(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_copy(struct cli *cli, int argc, char **argv);
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);

#endif

/*
 * cmd_user.c - `okaeri user add|passwd|disable|enable|list`: managing who may log in.
 *
 * Passwords are read from standard input with --password-stdin (one line, for scripts), or
 * asked for twice on the terminal without echo. They are hashed with argon2id (http/auth.h)
 * before they reach the store; changing a password or disabling a user ends their sessions.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "http/auth.h"
#include "store/fields.h"
#include "store/user.h"
#include "core/banned.h"

enum { OPT_ROLE = 1000, OPT_STDIN, OPT_DISPLAY, OPT_EMAIL, OPT_ALL, OPT_FORMAT, OPT_HELP };

static void user_help(void)
{
    printf("usage: okaeri user add LOGIN [--role admin|manager|staff|readonly] [--password-stdin]\n"
           "                          [--display-name NAME] [--email ADDRESS]\n"
           "       okaeri user passwd LOGIN [--password-stdin]\n"
           "       okaeri user disable LOGIN | enable LOGIN\n"
           "       okaeri user list [--all] [--format table|json]\n\n"
           "  --password-stdin   read the password from the first line of standard input;\n"
           "                     otherwise it is asked for on the terminal (twice, not shown)\n"
           "  --all              list disabled users too\n");
}

/* Reads one line without echo from the terminal. */
static int read_hidden(const char *prompt, char *out, size_t n)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    size_t len;
    int rc = -1;
    if (!tty)
        return -1;
    fputs(prompt, tty);
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    if (fgets(out, (int)n, tty)) {
        len = strlen(out);
        while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
            out[--len] = '\0';
        rc = 0;
    }
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    return rc;
}

/* Gets a new password from stdin or the terminal and hashes it. Returns an exit code. */
static int new_password_hash(int from_stdin, char hash[AUTH_HASH_MAX])
{
    char pw[AUTH_PASSWORD_MAX + 2], again[AUTH_PASSWORD_MAX + 2];
    struct ok_err err;
    int rc;
    ok_err_clear(&err);
    if (from_stdin) {
        size_t len;
        if (!fgets(pw, sizeof(pw), stdin)) {
            fprintf(stderr, "okaeri user: no password on standard input\n");
            return EXIT_ERROR;
        }
        len = strlen(pw);
        while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
            pw[--len] = '\0';
    } else {
        if (!isatty(STDIN_FILENO) || read_hidden("New password: ", pw, sizeof(pw)) < 0 ||
            read_hidden("Repeat it: ", again, sizeof(again)) < 0) {
            fprintf(stderr, "okaeri user: no terminal to ask for the password; use "
                            "--password-stdin\n");
            return EXIT_USAGE;
        }
        if (strcmp(pw, again) != 0) {
            fprintf(stderr, "okaeri user: the two passwords differ\n");
            return EXIT_ERROR;
        }
    }
    rc = auth_password_check(pw, &err) < 0 || auth_password_hash(pw, hash, &err) < 0
             ? cli_fail(&err)
             : EXIT_OK;
    memset(pw, 0, sizeof(pw));
    memset(again, 0, sizeof(again));
    return rc;
}

static int list_one(void *ctx, const struct user *u)
{
    struct buf *out = ctx;
    buf_printf(out, "%-20s %-9s %-8s %s\n", u->login, u->role ? u->role : "staff",
               u->disabled ? "disabled" : "active", u->display_name ? u->display_name : "");
    return 0;
}

struct json_list {
    struct buf out;
    int n;
};

static int list_json(void *ctx, const struct user *u)
{
    struct json_list *jl = ctx;
    if (jl->n++)
        buf_putc(&jl->out, ',');
    user_to_json(u, &jl->out);
    return 0;
}

static int user_list(struct cli *cli, int all, int json)
{
    struct user_query q = {.include_disabled = all, .limit = 100000};
    struct ok_err err;
    struct db *db = cli_open_db(cli, DB_OPEN_READONLY);
    int rc = EXIT_OK;
    ok_err_clear(&err);
    if (!db)
        return EXIT_ERROR;
    if (json) {
        struct json_list jl;
        buf_init(&jl.out, 0);
        jl.n = 0;
        buf_putc(&jl.out, '[');
        if (store_user_list(db, &q, list_json, &jl, &err) < 0)
            rc = cli_fail(&err);
        buf_puts(&jl.out, "]\n");
        if (rc == EXIT_OK)
            cli_write_stdout(jl.out.data, jl.out.len);
        buf_release(&jl.out);
    } else {
        struct buf out;
        buf_init(&out, 0);
        buf_printf(&out, "%-20s %-9s %-8s %s\n", "login", "role", "status", "name");
        if (store_user_list(db, &q, list_one, &out, &err) < 0)
            rc = cli_fail(&err);
        else
            cli_write_stdout(out.data, out.len);
        buf_release(&out);
    }
    db_close(&db);
    return rc;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, OPT_ROLE},
        {"password-stdin", no_argument, NULL, OPT_STDIN},
        {"display-name", required_argument, NULL, OPT_DISPLAY},
        {"email", required_argument, NULL, OPT_EMAIL},
        {"all", no_argument, NULL, OPT_ALL},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *sub, *login = NULL, *role = NULL, *display = NULL, *email = NULL;
    int from_stdin = 0, all = 0, opt, rc;
    enum cli_format format = CLI_FORMAT_TABLE;
    char hash[AUTH_HASH_MAX];
    struct ok_err err;
    struct db *db = NULL;
    struct user u;
    ok_err_clear(&err);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        user_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    optind = 0;
    while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_ROLE:
            role = optarg;
            break;
        case OPT_STDIN:
            from_stdin = 1;
            break;
        case OPT_DISPLAY:
            display = optarg;
            break;
        case OPT_EMAIL:
            email = optarg;
            break;
        case OPT_ALL:
            all = 1;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0 || format == CLI_FORMAT_CSV)
                return cli_usage("user", "--format takes table or json");
            break;
        case OPT_HELP:
            user_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1)
        login = argv[optind + 1];
    if (optind + 1 < argc - 1)
        return cli_usage("user", "unexpected argument '%s'", argv[optind + 2]);
    if (!strcmp(sub, "list"))
        return login ? cli_usage("user", "list takes no LOGIN")
                     : user_list(cli, all, format == CLI_FORMAT_JSON);
    if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "disable") &&
        strcmp(sub, "enable"))
        return cli_usage("user", "unknown subcommand '%s' (add, passwd, disable, enable, list)",
                         sub);
    if (!login)
        return cli_usage("user", "%s needs a LOGIN", sub);
    if (auth_init(&err) < 0)
        return cli_fail(&err);
    if (!strcmp(sub, "add") || !strcmp(sub, "passwd")) {
        rc = new_password_hash(from_stdin, hash);
        if (rc != EXIT_OK)
            return rc;
    }
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    rc = EXIT_OK;
    if (!strcmp(sub, "add")) {
        memset(&u, 0, sizeof(u));
        store_field_set(&u.login, login);
        store_field_set(&u.role, role ? role : "staff");
        store_field_set(&u.display_name, display);
        store_field_set(&u.email, email);
        store_field_set(&u.password_hash, hash);
        if (store_user_validate(&u, &err) < 0 || store_user_create(db, &cli->actor, &u, &err) < 0)
            rc = cli_fail(&err);
        else
            printf("added user %s (%s)\n", login, u.role);
        user_release(&u);
    } else {
        memset(&u, 0, sizeof(u));
        if (store_user_get(db, login, &u, &err) < 0) {
            rc = cli_fail(&err);
        } else if (!strcmp(sub, "passwd")) {
            if (store_user_set_password_hash(db, &cli->actor, login, hash, &err) < 0 ||
                auth_session_delete_user(db, u.id, &err) < 0)
                rc = cli_fail(&err);
            else
                printf("password of %s changed; their sessions ended\n", login);
        } else {
            int disable = !strcmp(sub, "disable");
            if (store_user_set_disabled(db, &cli->actor, login, disable, &err) < 0 ||
                (disable && auth_session_delete_user(db, u.id, &err) < 0))
                rc = cli_fail(&err);
            else
                printf("%s %s\n", disable ? "disabled" : "enabled", login);
        }
        user_release(&u);
    }
    memset(hash, 0, sizeof(hash));
    db_close(&db);
    return rc;
}

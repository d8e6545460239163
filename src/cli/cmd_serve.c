/*
 * cmd_serve.c - `okaeri serve [--listen ADDR:PORT]`: the web API server.
 *
 * On the first start of a database without users it creates the user `admin` with a random
 * password and prints it once; after that, users are managed with `okaeri user` or the API.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/auth.h"
#include "http/server.h"
#include "store/fields.h"
#include "store/user.h"
#include "core/banned.h"

enum {
    OPT_LISTEN = 1000,
    OPT_THREADS,
    OPT_MAX_BODY,
    OPT_MAX_CONN,
    OPT_TIMEOUT,
    OPT_SECURE,
    OPT_HELP
};

static int count_one(void *ctx, const struct user *u)
{
    (void)u;
    ++*(int *)ctx;
    return 1;
}

/* Creates `admin` when the database has no user at all. */
static int ensure_admin(struct db *db, struct ok_err *err)
{
    struct user_query q = {.include_disabled = 1, .limit = 1};
    struct store_actor actor = {0, "serve"};
    struct user u;
    char password[32], hash[AUTH_HASH_MAX];
    int n = 0;
    if (store_user_list(db, &q, count_one, &n, err) < 0)
        return -1;
    if (n > 0)
        return 0;
    auth_random_password(password);
    if (auth_password_hash(password, hash, err) < 0)
        return -1;
    memset(&u, 0, sizeof(u));
    store_field_set(&u.login, "admin");
    store_field_set(&u.display_name, "Administrator");
    store_field_set(&u.role, "admin");
    store_field_set(&u.password_hash, hash);
    if (store_user_create(db, &actor, &u, err) < 0) {
        user_release(&u);
        return -1;
    }
    user_release(&u);
    printf("okaeri: first start: created user admin with password %s\n"
           "okaeri: log in and change it, or run `okaeri user passwd admin`\n",
           password);
    fflush(stdout);
    return 0;
}

static void serve_help(void)
{
    printf("usage: okaeri serve [--listen ADDR:PORT] [--threads N] [--max-body BYTES]\n"
           "                    [--max-connections N] [--timeout SECONDS] [--cookie-secure]\n\n"
           "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0: any free)\n"
           "  --threads N          worker threads, each with its own database connection\n"
           "                       (default: number of CPUs, at least 2; on PostgreSQL four\n"
           "                       times that: a worker waits for every round trip)\n"
           "  --max-body BYTES     largest request body (default 1048576)\n"
           "  --max-connections N  open connections at most (default 512)\n"
           "  --timeout SECONDS    idle time before a connection is closed (default 30)\n"
           "  --cookie-secure      mark the session cookie Secure (when behind HTTPS)\n\n"
           "Stops on SIGTERM or SIGINT after the requests in flight. Request lines go to stderr\n"
           "(OKAERI_LOG=warn silences them).\n");
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"cookie-secure", no_argument, NULL, OPT_SECURE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct http_config cfg;
    struct ok_err err;
    struct db *db;
    int64_t v;
    int opt;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = "127.0.0.1:8080";
    cfg.announce = stdout;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_LISTEN:
            cfg.listen = optarg;
            break;
        case OPT_THREADS:
            if (cli_parse_int("serve", "--threads", optarg, 1, 256, &v) < 0)
                return EXIT_USAGE;
            cfg.threads = (int)v;
            break;
        case OPT_MAX_BODY:
            if (cli_parse_int("serve", "--max-body", optarg, 1024, (int64_t)1 << 30, &v) < 0)
                return EXIT_USAGE;
            cfg.max_body = (size_t)v;
            break;
        case OPT_MAX_CONN:
            if (cli_parse_int("serve", "--max-connections", optarg, 1, 100000, &v) < 0)
                return EXIT_USAGE;
            cfg.max_connections = (int)v;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_int("serve", "--timeout", optarg, 1, 3600, &v) < 0)
                return EXIT_USAGE;
            cfg.timeout = (int)v;
            break;
        case OPT_SECURE:
            cfg.cookie_secure = 1;
            break;
        case OPT_HELP:
            serve_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    cfg.db_target = cli->db_target;
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (ensure_admin(db, &err) < 0) {
        db_close(&db);
        return cli_fail(&err);
    }
    db_close(&db);
    if (http_serve(&cfg, &err) < 0)
        return cli_fail(&err);
    return EXIT_OK;
}

/*
 * cmd_clv.c - `okaeri clv fit|predict|validate`: the customer value models on the database's
 * orders (or, for fit, on a summary CSV file).
 *
 * The work is in service/value.h; this file parses the command line, reads the summary file,
 * loads the snapshot, stores and looks up fits (store/clv_fit.h) and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "service/snapshot.h"
#include "service/value.h"
#include "store/clv_fit.h"
#include "core/banned.h"

enum {
    OPT_MODEL = 1000,
    OPT_UNIT,
    OPT_CAL_END,
    OPT_HOLDOUT_END,
    OPT_SUMMARY,
    OPT_FORMAT,
    OPT_HORIZON,
    OPT_DISCOUNT,
    OPT_AS_OF,
    OPT_SVG,
    OPT_HELP
};

static void clv_help(void)
{
    printf(
        "usage: okaeri clv fit --model MODEL [--unit day|week] [--calibration-end DATE]\n"
        "                      [--summary FILE] [--format table|json]\n"
        "       okaeri clv predict --horizon DAYS [--discount RATE] [--as-of DATE]\n"
        "                      [--model MODEL] [--unit day|week] [--format table|csv|json]\n"
        "       okaeri clv validate --calibration-end DATE [--holdout-end DATE] [--model MODEL]\n"
        "                      [--unit day|week] [--svg FILE] [--format table|json]\n\n"
        "Customer value models (buy-till-you-die): MODEL is bgnbd, pnbd (Pareto/NBD), mbgnbd\n"
        "or gamma-gamma (spend). See docs/models.md for what the numbers mean.\n\n"
        "fit       fits MODEL on the orders up to --calibration-end (default: today) and stores\n"
        "          the fit; with --summary FILE fits a CSV with columns frequency, recency, T\n"
        "          (and monetary_value for gamma-gamma) instead, without storing. The time\n"
        "          unit (default week) is that of the data.\n"
        "predict   per customer: p_alive, expected_purchases and CLV over the next --horizon\n"
        "          days, from the latest stored fits of MODEL (default bgnbd) and gamma-gamma\n"
        "          (fitted and stored first when there is none). --discount is an annual rate\n"
        "          (0.1 or 10%%), applied monthly; default 0.\n"
        "validate  fits MODEL on the orders up to --calibration-end and compares its predictions\n"
        "          with the purchases up to --holdout-end (default: the last order): mean\n"
        "          holdout purchases by calibration frequency 0..7+ and the weekly cumulative\n"
        "          repeat transactions; --svg FILE writes the plot.\n");
}

static int parse_day(const char *opt, const char *text, int32_t *day)
{
    struct ok_err err;
    int32_t secs;
    ok_err_clear(&err);
    if (date_parse(text, strlen(text), day, &secs, &err) < 0) {
        ok_err_prefix(&err, "%s", opt);
        return cli_fail(&err);
    }
    return 0;
}

static int parse_model(const char *text, enum clv_model *model)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (clv_model_parse(text, model, &err) < 0) {
        cli_usage("clv", "unknown model '%s': use bgnbd, pnbd, mbgnbd or gamma-gamma", text);
        return -1;
    }
    return 0;
}

/* ---- the summary file ------------------------------------------------------------------ */

enum { COL_X, COL_TX, COL_T, COL_M, NCOLS };

static int column_of(const char *name)
{
    static const struct {
        const char *name;
        int col;
    } names[] = {
        {"frequency", COL_X},      {"x", COL_X}, {"recency", COL_TX}, {"t_x", COL_TX},
        {"t.x", COL_TX},           {"T", COL_T}, {"T.cal", COL_T},    {"T_cal", COL_T},
        {"monetary_value", COL_M}, {"m", COL_M}, {"m.x", COL_M},      {"zbar", COL_M},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i].name))
            return names[i].col;
    return -1;
}

static const char *const col_names[NCOLS] = {"frequency", "recency", "T", "monetary_value"};

/* Splits line (modified in place) at commas; trims blanks and double quotes. */
static size_t split_fields(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        while (*p == ' ' || *p == '\t' || *p == '"')
            p++;
        size_t len = strlen(p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '"'))
            p[--len] = '\0';
        if (n < max)
            fields[n] = p;
        n++;
        if (!end)
            break;
        p = end + 1;
    }
    return n;
}

static int read_file(const char *path, struct buf *out, struct ok_err *err)
{
    char chunk[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ok_err_set(err, OK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(out, chunk, n);
    if (ferror(f)) {
        fclose(f);
        return ok_err_set(err, OK_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    fclose(f);
    if (out->failed)
        return ok_err_set(err, OK_ERR_LIMIT, "%s is too large", path);
    return 0;
}

/* Reads a summary CSV (lifetimes' summary_data_from_transaction_data layout) into s. */
static int read_summary(const char *path, int need_m, struct value_summaries *s, struct ok_err *err)
{
    struct buf text;
    int idx[NCOLS] = {-1, -1, -1, -1};
    char *fields[64];
    char *p, *next;
    long line = 0;
    int have_header = 0, rc = -1;
    buf_init(&text, 0);
    if (read_file(path, &text, err) < 0)
        goto out;
    p = text.data;
    if (!strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    for (; p && *p; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            p[--len] = '\0';
        if (len == 0)
            continue;
        size_t nf = split_fields(p, fields, 64);
        if (nf > 64)
            nf = 64;
        if (!have_header) {
            for (size_t i = 0; i < nf; i++) {
                int c = column_of(fields[i]);
                if (c >= 0 && idx[c] < 0)
                    idx[c] = (int)i;
            }
            for (int c = 0; c < NCOLS; c++)
                if (idx[c] < 0 && (c != COL_M || need_m)) {
                    ok_err_set(err, OK_ERR_INVALID,
                               "%s has no column %s (needs frequency, recency, T%s)", path,
                               col_names[c], need_m ? ", monetary_value" : "");
                    ok_err_locate(err, col_names[c], line);
                    goto out;
                }
            have_header = 1;
            continue;
        }
        double v[NCOLS] = {0, 0, 0, 0};
        for (int c = 0; c < NCOLS; c++) {
            char *end;
            if (idx[c] < 0)
                continue;
            if ((size_t)idx[c] >= nf || !*fields[idx[c]]) {
                ok_err_set(err, OK_ERR_INVALID, "%s is missing", col_names[c]);
                ok_err_locate(err, col_names[c], line);
                goto out;
            }
            errno = 0;
            v[c] = strtod(fields[idx[c]], &end);
            if (errno || *end || !isfinite(v[c])) {
                ok_err_set(err, OK_ERR_INVALID, "%s '%s' is not a number", col_names[c],
                           fields[idx[c]]);
                ok_err_locate(err, col_names[c], line);
                goto out;
            }
        }
        if (clv_summary_check(v[COL_X], v[COL_TX], v[COL_T], v[COL_M], err) < 0) {
            char field[64];
            snprintf(field, sizeof(field), "%s", err->field);
            ok_err_locate(err, field, line);
            goto out;
        }
        value_summaries_add(s, v[COL_X], v[COL_TX], v[COL_T], v[COL_M]);
    }
    if (!have_header || s->n == 0) {
        ok_err_set(err, OK_ERR_INVALID, "%s has no customers (a header and one row per customer)",
                   path);
        goto out;
    }
    rc = 0;
out:
    buf_release(&text);
    return rc;
}

/* ---- helpers shared by the subcommands ------------------------------------------------- */

static void print_fit(const struct clv_fit_result *res, const char *unit, enum cli_format f)
{
    if (f == CLI_FORMAT_JSON) {
        struct buf out;
        buf_init(&out, 0);
        value_fit_json(&out, res, unit);
        buf_putc(&out, '\n');
        fflush(stdout);
        cli_write_stdout(out.data, out.len);
        buf_release(&out);
    } else {
        struct table *t = value_fit_table(res, unit);
        cli_print_table(t, f);
        table_free(&t);
    }
}

/* Stores a fit from the database; returns its id, 0 when the parameters are unusable (not
 * stored), -1 on error. */
static int64_t store_fit(struct db *db, struct cli *cli, const struct clv_fit_result *res,
                         const char *unit, int32_t cal_end, struct ok_err *err)
{
    struct clv_fit_record rec;
    struct buf params;
    int64_t id;
    if (!clv_params_valid(&res->params))
        return 0;
    memset(&rec, 0, sizeof(rec));
    buf_init(&params, 0);
    value_params_json(&params, &res->params);
    snprintf(rec.model, sizeof(rec.model), "%s", clv_model_name(res->params.model));
    snprintf(rec.unit, sizeof(rec.unit), "%s", unit);
    rec.calibration_end = cal_end;
    rec.params = params.data;
    rec.log_likelihood = res->loglik;
    rec.converged = res->converged;
    rec.iterations = res->iterations;
    rec.reason = res->converged ? NULL : (char *)res->reason;
    rec.customers = (int64_t)llround(res->customers);
    id = store_clv_fit_insert(db, &cli->actor, &rec, err);
    buf_release(&params);
    return id;
}

static int load_snapshot(struct cli *cli, int flags, struct db **db, struct snapshot *snap)
{
    struct ok_err err;
    ok_err_clear(&err);
    *db = cli_open_db(cli, flags);
    if (!*db)
        return EXIT_ERROR;
    if (snapshot_load(*db, snap, &err) < 0) {
        db_close(db);
        return cli_fail(&err);
    }
    return 0;
}

/* ---- fit -------------------------------------------------------------------------------- */

static int clv_fit_cmd(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, OPT_MODEL},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"calibration-end", required_argument, NULL, OPT_CAL_END},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    enum clv_model model = CLV_MODEL_BGNBD;
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *model_text = NULL, *unit_text = "week", *cal_text = NULL, *summary = NULL;
    struct value_summaries s;
    struct clv_fit_result res;
    struct snapshot snap;
    struct db *db = NULL;
    struct ok_err err;
    double unit = 7.0;
    int32_t cal_end = 0;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_MODEL:
            model_text = optarg;
            break;
        case OPT_UNIT:
            unit_text = optarg;
            break;
        case OPT_CAL_END:
            cal_text = optarg;
            break;
        case OPT_SUMMARY:
            summary = optarg;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0 || format == CLI_FORMAT_CSV)
                return cli_usage("clv", "fit --format takes table or json");
            break;
        case OPT_HELP:
            clv_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("clv", "unexpected argument '%s'", argv[optind]);
    if (!model_text)
        return cli_usage("clv", "fit needs --model bgnbd|pnbd|mbgnbd|gamma-gamma");
    if (parse_model(model_text, &model) < 0)
        return EXIT_USAGE;
    if (value_unit_parse(unit_text, &unit, &err) < 0)
        return cli_usage("clv", "%s", err.message);
    if (summary && cal_text)
        return cli_usage("clv", "--calibration-end applies to the database's orders, not to "
                                "--summary");
    if (cal_text && (rc = parse_day("--calibration-end", cal_text, &cal_end)) != 0)
        return rc;

    value_summaries_init(&s, unit);
    if (summary) {
        if (read_summary(summary, model == CLV_MODEL_GG, &s, &err) < 0) {
            value_summaries_release(&s);
            return cli_fail(&err);
        }
    } else {
        if ((rc = load_snapshot(cli, 0, &db, &snap)) != 0)
            return rc;
        if (!cal_text)
            cal_end = snapshot_today(&snap);
        if (value_summaries_from_ledger(&s, snap.ledger, cal_end, cal_end, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    if (value_fit(model, &s, &res, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (db && store_fit(db, cli, &res, value_unit_name(unit), cal_end, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    print_fit(&res, value_unit_name(unit), format);
    if (!res.converged) {
        fprintf(stderr, "okaeri clv fit: the %s fit did not converge: %s\n", clv_model_name(model),
                res.reason);
        rc = EXIT_ERROR;
    }
out:
    value_summaries_release(&s);
    if (db) {
        snapshot_release(&snap);
        db_close(&db);
    }
    return rc;
}

/* ---- predict ---------------------------------------------------------------------------- */

struct codes {
    const struct ledger *l;
    struct buf text; /* codes, NUL-separated */
    size_t *off;     /* by ledger index; SIZE_MAX when unknown */
};

static int on_code(void *ctx, int64_t id, const char *code, struct ok_err *err)
{
    struct codes *c = ctx;
    long i = ledger_customer_index(c->l, id);
    if (i >= 0) {
        c->off[i] = c->text.len;
        buf_append(&c->text, code, strlen(code) + 1);
    }
    return 0;
}

/* The latest converged fit of model, or a new one fitted on s and stored (said on stderr).
 * Returns 0 with *params set, 1 when no usable fit could be made (reason on stderr), -1 on
 * error. */
static int fit_for_predict(struct db *db, struct cli *cli, enum clv_model model,
                           const struct value_summaries *s, const struct clv_fit_result *pre,
                           struct clv_params *params, int32_t *fit_id, struct ok_err *err)
{
    struct clv_fit_record rec;
    struct clv_fit_result res;
    int found = store_clv_fit_latest(db, clv_model_name(model), 1, &rec, err);
    int64_t id;
    char day[11];
    if (found < 0)
        return -1;
    if (found) {
        int rc = value_params_parse(model, rec.params, params, err);
        *fit_id = (int32_t)rec.id;
        clv_fit_record_release(&rec);
        return rc;
    }
    if (pre)
        res = *pre;
    else if (value_fit(model, s, &res, err) < 0)
        return -1;
    id = store_fit(db, cli, &res, value_unit_name(s->unit_days), s->cal_end, err);
    if (id < 0)
        return -1;
    date_format_iso(s->cal_end, day);
    if (!res.converged) {
        fprintf(stderr,
                "okaeri clv predict: no stored %s fit, and fitting one on the orders up "
                "to %s did not converge: %s\n",
                clv_model_name(model), day, res.reason);
        return 1;
    }
    fprintf(stderr,
            "okaeri clv predict: no stored %s fit; fitted one on the orders up to %s "
            "(stored as fit %lld)\n",
            clv_model_name(model), day, (long long)id);
    *params = res.params;
    *fit_id = (int32_t)id;
    return 0;
}

/* The time unit of the latest converged stored fit of model, if any. */
static int stored_unit(struct db *db, enum clv_model model, double *unit, struct ok_err *err)
{
    struct clv_fit_record rec;
    int found = store_clv_fit_latest(db, clv_model_name(model), 1, &rec, err);
    if (found <= 0)
        return found;
    found = value_unit_parse(rec.unit, unit, err) < 0 ? -1 : 1;
    clv_fit_record_release(&rec);
    return found;
}

static int parse_rate(const char *text, double *rate)
{
    char *end;
    errno = 0;
    *rate = strtod(text, &end);
    if (end != text && *end == '%' && !end[1]) {
        *rate /= 100.0;
        end++;
    }
    if (errno || end == text || *end || !isfinite(*rate) || *rate < 0 || *rate > 10)
        return cli_usage("clv", "--discount needs an annual rate such as 0.1 or 10%%, not '%s'",
                         text);
    return 0;
}

static int clv_predict_cmd(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"horizon", required_argument, NULL, OPT_HORIZON},
        {"discount", required_argument, NULL, OPT_DISCOUNT},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"model", required_argument, NULL, OPT_MODEL},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    enum clv_model model = CLV_MODEL_BGNBD;
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *as_of_text = NULL, *unit_text = NULL;
    struct value_summaries s;
    struct value_predictions pred;
    struct clv_params counts, spend;
    struct codes codes;
    const char **code_of = NULL;
    struct snapshot snap;
    struct table *t = NULL;
    struct db *db = NULL;
    struct ok_err err;
    int64_t horizon = 0;
    double discount = 0.0, unit = 7.0;
    int32_t as_of = 0, counts_id = 0, spend_id = 0;
    int opt, rc = EXIT_OK, have_spend;
    ok_err_clear(&err);
    memset(&codes, 0, sizeof(codes));
    memset(&pred, 0, sizeof(pred));
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_HORIZON:
            if (cli_parse_int("clv", "--horizon", optarg, 1, 36500, &horizon) < 0)
                return EXIT_USAGE;
            break;
        case OPT_DISCOUNT:
            if (parse_rate(optarg, &discount) != 0)
                return EXIT_USAGE;
            break;
        case OPT_AS_OF:
            as_of_text = optarg;
            break;
        case OPT_MODEL:
            if (parse_model(optarg, &model) < 0)
                return EXIT_USAGE;
            if (model == CLV_MODEL_GG)
                return cli_usage("clv", "predict --model names the counting model (bgnbd, "
                                        "pnbd or mbgnbd); gamma-gamma is always used for spend");
            break;
        case OPT_UNIT:
            unit_text = optarg;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("clv", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            clv_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("clv", "unexpected argument '%s'", argv[optind]);
    if (horizon <= 0)
        return cli_usage("clv", "predict needs --horizon DAYS, e.g. --horizon 365");
    if (unit_text && value_unit_parse(unit_text, &unit, &err) < 0)
        return cli_usage("clv", "%s", err.message);
    if (as_of_text && (rc = parse_day("--as-of", as_of_text, &as_of)) != 0)
        return rc;
    if ((rc = load_snapshot(cli, 0, &db, &snap)) != 0)
        return rc;
    buf_init(&codes.text, 0);
    if (!as_of_text)
        as_of = snapshot_today(&snap);

    /* A stored fit decides the time unit of the summaries; --unit only applies to new fits. */
    int found = stored_unit(db, model, &unit, &err);
    if (found < 0)
        goto fail;
    value_summaries_init(&s, unit);
    if (value_summaries_from_ledger(&s, snap.ledger, as_of, as_of, &err) < 0)
        goto fail_s;
    /* With neither fit stored (the first predict), both are fitted at once on two threads. */
    struct clv_fit_result pre_counts, pre_spend;
    struct clv_fit_record probe;
    int have_pre = 0, stored_counts = found, stored_spend;
    stored_spend = store_clv_fit_latest(db, clv_model_name(CLV_MODEL_GG), 1, &probe, &err);
    if (stored_spend < 0)
        goto fail_s;
    clv_fit_record_release(&probe);
    if (!stored_counts && !stored_spend) {
        if (value_fit_both(model, &s, &pre_counts, &pre_spend, &err) < 0)
            goto fail_s;
        have_pre = 1;
    }
    int got = fit_for_predict(db, cli, model, &s, have_pre ? &pre_counts : NULL, &counts,
                              &counts_id, &err);
    if (got < 0)
        goto fail_s;
    if (got > 0) {
        rc = EXIT_ERROR;
        goto out;
    }
    got = fit_for_predict(db, cli, CLV_MODEL_GG, &s, have_pre ? &pre_spend : NULL, &spend,
                          &spend_id, &err);
    if (got < 0)
        goto fail_s;
    have_spend = got == 0;
    if (!have_spend)
        fprintf(stderr, "okaeri clv predict: without a spend model expected_avg_spend and clv "
                        "are empty\n");
    if (value_predict(&s, &counts, have_spend ? &spend : NULL, (double)horizon, discount, &pred,
                      &err) < 0)
        goto fail_s;

    codes.l = snap.ledger;
    codes.off = xmalloc((snap.ledger->ncust ? snap.ledger->ncust : 1) * sizeof(size_t));
    for (uint32_t i = 0; i < snap.ledger->ncust; i++)
        codes.off[i] = SIZE_MAX;
    if (store_customer_codes_each(db, on_code, &codes, &err) < 0)
        goto fail_s;
    code_of = xmalloc((snap.ledger->ncust ? snap.ledger->ncust : 1) * sizeof(char *));
    for (uint32_t i = 0; i < snap.ledger->ncust; i++)
        code_of[i] = codes.off[i] == SIZE_MAX ? NULL : codes.text.data + codes.off[i];

    t = value_predictions_table(&s, &pred, snap.ledger, code_of);
    {
        char day[11];
        date_format_iso(as_of, day);
        table_add_note(t,
                       "as of %s, horizon %lld days, discount %g%% a year; %s fit %d, "
                       "gamma-gamma fit %d (unit %s)",
                       day, (long long)horizon, discount * 100.0, clv_model_name(model), counts_id,
                       have_spend ? spend_id : 0, value_unit_name(unit));
    }
    cli_print_table(t, format);
    goto out;
fail_s:
    rc = cli_fail(&err);
out:
    table_free(&t);
    free(code_of);
    free(codes.off);
    buf_release(&codes.text);
    value_predictions_release(&pred);
    value_summaries_release(&s);
    snapshot_release(&snap);
    db_close(&db);
    return rc;
fail:
    rc = cli_fail(&err);
    snapshot_release(&snap);
    db_close(&db);
    buf_release(&codes.text);
    return rc;
}

/* ---- validate --------------------------------------------------------------------------- */

static int write_file(const char *path, const struct buf *b, struct ok_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    int bad = fwrite(b->data, 1, b->len, f) != b->len;
    if (fclose(f) != 0 || bad)
        return ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

static int clv_validate_cmd(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"calibration-end", required_argument, NULL, OPT_CAL_END},
        {"holdout-end", required_argument, NULL, OPT_HOLDOUT_END},
        {"model", required_argument, NULL, OPT_MODEL},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"svg", required_argument, NULL, OPT_SVG},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    enum clv_model model = CLV_MODEL_BGNBD;
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *cal_text = NULL, *hold_text = NULL, *unit_text = "week", *svg = NULL;
    struct value_summaries s;
    struct value_validation v;
    struct snapshot snap;
    struct db *db = NULL;
    struct ok_err err;
    struct buf out;
    double unit = 7.0;
    int32_t cal_end = 0, holdout_end = 0;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CAL_END:
            cal_text = optarg;
            break;
        case OPT_HOLDOUT_END:
            hold_text = optarg;
            break;
        case OPT_MODEL:
            if (parse_model(optarg, &model) < 0)
                return EXIT_USAGE;
            if (model == CLV_MODEL_GG)
                return cli_usage("clv", "validate compares purchase counts: use --model bgnbd, "
                                        "pnbd or mbgnbd");
            break;
        case OPT_UNIT:
            unit_text = optarg;
            break;
        case OPT_SVG:
            svg = optarg;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0 || format == CLI_FORMAT_CSV)
                return cli_usage("clv", "validate --format takes table or json");
            break;
        case OPT_HELP:
            clv_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("clv", "unexpected argument '%s'", argv[optind]);
    if (!cal_text)
        return cli_usage("clv", "validate needs --calibration-end DATE");
    if (value_unit_parse(unit_text, &unit, &err) < 0)
        return cli_usage("clv", "%s", err.message);
    if ((rc = parse_day("--calibration-end", cal_text, &cal_end)) != 0)
        return rc;
    if (hold_text && (rc = parse_day("--holdout-end", hold_text, &holdout_end)) != 0)
        return rc;
    if ((rc = load_snapshot(cli, DB_OPEN_READONLY, &db, &snap)) != 0)
        return rc;
    db_close(&db);
    if (!hold_text)
        holdout_end = snap.ledger->max_day;
    value_summaries_init(&s, unit);
    memset(&v, 0, sizeof(v));
    buf_init(&out, 0);
    if (holdout_end == LEDGER_NO_DAY || holdout_end <= cal_end) {
        ok_err_set(&err, OK_ERR_INVALID,
                   "validation needs orders after the calibration end: give a later "
                   "--holdout-end or an earlier --calibration-end");
        goto fail;
    }
    if (value_summaries_from_ledger(&s, snap.ledger, cal_end, holdout_end, &err) < 0 ||
        value_validate(model, &s, &v, &err) < 0)
        goto fail;
    {
        struct table *bins = value_validation_bins_table(&v);
        struct table *track = value_validation_tracking_table(&v);
        if (format == CLI_FORMAT_JSON) {
            char day[11];
            buf_puts(&out, "{\"fit\":");
            value_fit_json(&out, &v.fit, value_unit_name(unit));
            date_format_iso(cal_end, day);
            buf_printf(&out, ",\"calibration_end\":\"%s\"", day);
            date_format_iso(holdout_end, day);
            buf_printf(&out, ",\"holdout_end\":\"%s\",\"bins\":", day);
            table_render_json(bins, &out);
            buf_puts(&out, ",\"tracking\":");
            table_render_json(track, &out);
            buf_puts(&out, "}\n");
            fflush(stdout);
            cli_write_stdout(out.data, out.len);
        } else {
            struct table *fit = value_fit_table(&v.fit, value_unit_name(unit));
            cli_print_table(fit, format);
            printf("\n");
            cli_print_table(bins, format);
            printf("\n");
            cli_print_table(track, format);
            table_free(&fit);
        }
        table_free(&bins);
        table_free(&track);
    }
    if (svg) {
        char title[128], c1[11], c2[11];
        buf_reset(&out);
        date_format_iso(cal_end, c1);
        date_format_iso(holdout_end, c2);
        snprintf(title, sizeof(title), "%s: calibration to %s, holdout to %s",
                 clv_model_name(model), c1, c2);
        value_validation_svg(&out, &v, title);
        if (write_file(svg, &out, &err) < 0)
            goto fail;
    }
    if (!v.fit.converged)
        fprintf(stderr, "okaeri clv validate: warning: the %s fit did not converge: %s\n",
                clv_model_name(model), v.fit.reason);
    goto out;
fail:
    rc = cli_fail(&err);
out:
    buf_release(&out);
    value_validation_release(&v);
    value_summaries_release(&s);
    snapshot_release(&snap);
    return rc;
}

int cmd_clv(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        clv_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "fit"))
        return clv_fit_cmd(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "predict"))
        return clv_predict_cmd(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "validate"))
        return clv_validate_cmd(cli, argc - 1, argv + 1);
    return cli_usage("clv", "unknown subcommand '%s': use fit, predict or validate", argv[1]);
}

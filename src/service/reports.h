/*
 * reports.h - the registry of reports that the CLI (`okaeri report NAME`) and the HTTP API
 * (GET /api/v1/reports/NAME) share: same names, same parameters, same columns.
 *
 * Adding a report is one entry in the table in reports.c plus its pure function in
 * src/analytics (or src/service when it needs the store).
 */
#ifndef OK_SERVICE_REPORTS_H
#define OK_SERVICE_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/table.h"
#include "db/db.h"
#include "service/snapshot.h"

/* What a report reads besides as_of. */
enum {
    REPORT_USES_RANGE = 1,     /* from/to: defaults to the 365 days up to as_of */
    REPORT_USES_STATE = 2,     /* state filter (inventory members) */
    REPORT_USES_CUSTOMERS = 4, /* prints customer codes: the names of all customers are loaded */
    REPORT_USES_PLAN = 8,      /* planning inputs (struct report_plan_inputs) */
};

/* Inputs of the planning reports; NAN where not given. Money in major units (yen, dollars). */
struct report_plan_inputs {
    double revenue, leads, conversion, unit_price;
    /* Further scenarios, "NAME:key=value,key=value" with keys revenue, leads, conversion,
     * unit_price; a key not given is taken from the base scenario. */
    const char *scenarios[8];
    int nscenarios;
    double leads_per_year, won_per_year, years; /* lost-prospect pool */
    double cost, saved_per_day, days;           /* retention payback */
};

struct report_params {
    int32_t as_of;
    int32_t from, to; /* inclusive days; set by the caller or by service_report_defaults */
    int has_from, has_to;
    const char *state; /* "active", "sleeping" … or NULL */
    struct report_plan_inputs plan;
};

/* Sets every planning input to "not given". */
void report_plan_inputs_init(struct report_plan_inputs *in);

/* What a report function gets: the snapshot, its parameters, the options for the pure report
 * functions (settings, names) and the database for extra inputs such as goals. */
struct report_call {
    const struct snapshot *snap;
    const struct report_params *p;
    const void *opts; /* const struct report_opts * */
    struct db *db;
};

struct report_def {
    const char *name;
    const char *summary;
    unsigned uses;
    struct table *(*build)(const struct report_call *c, struct ok_err *err);
};

/* All reports, in display order. */
const struct report_def *service_reports(size_t *count);
const struct report_def *service_report_find(const char *name);

/* Runs a report on a loaded snapshot. db is used for display names (customer codes, users,
 * lists). Validates the parameters (from <= to, known state) with clear messages. Caller frees
 * the table. */
struct table *service_report_run(struct db *db, const struct snapshot *snap,
                                 const struct report_def *def, struct report_params *p,
                                 struct ok_err *err);

#endif

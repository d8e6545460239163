/*
 * err.h - the one error type of okaeri.
 *
 * Functions that can fail return 0 on success and a negative value on failure, and fill a
 * caller-owned struct ok_err saying what went wrong and where: the source location that
 * detected it, and, for input data, the field (column) and input line. Errors are turned into
 * messages and exit codes (CLI) or HTTP statuses (server) only at the edges.
 */
#ifndef OK_CORE_ERR_H
#define OK_CORE_ERR_H

#include <stdarg.h>

/* Error classes; the edges map them to exit codes and HTTP statuses. */
enum ok_err_code {
    OK_ERR_NONE = 0,
    OK_ERR_INVALID,   /* bad input value: 400 / exit 1 */
    OK_ERR_NOT_FOUND, /* referenced thing does not exist: 404 */
    OK_ERR_CONFLICT,  /* duplicate key or concurrent edit: 409 */
    OK_ERR_USAGE,     /* wrong command line: exit 2 */
    OK_ERR_IO,        /* file or network trouble */
    OK_ERR_DB,        /* database engine error */
    OK_ERR_VERSION,   /* database from a newer okaeri, or not an okaeri database */
    OK_ERR_LIMIT,     /* size or rate limit exceeded: 413 / 429 */
    OK_ERR_AUTH,      /* not logged in: 401 */
    OK_ERR_FORBIDDEN, /* role does not allow it: 403 */
    OK_ERR_INTERNAL   /* a bug: 500 */
};

struct ok_err {
    enum ok_err_code code;
    char message[512];
    const char *file; /* source file that raised it (static string) */
    int line;         /* source line that raised it */
    char field[64];   /* input field or column, "" when not about a field */
    long input_line;  /* 1-based line of the input file, 0 when not about a file */
};

/* Clears an error to "no error". */
void ok_err_clear(struct ok_err *err);

/* Fills err (if not NULL) with code and a printf-style message; returns -1 so that callers can
 * write `return ok_err_set(err, OK_ERR_INVALID, "...")`. Use the OK_ERR macro to record the
 * caller's source location. */
int ok_err_setf(struct ok_err *err, const char *file, int line, enum ok_err_code code,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int ok_err_vsetf(struct ok_err *err, const char *file, int line, enum ok_err_code code,
                 const char *fmt, va_list ap);

#define ok_err_set(err, code, ...) ok_err_setf((err), __FILE__, __LINE__, (code), __VA_ARGS__)

/* Records the field (column) name and input line the error is about; either may be NULL/0. */
void ok_err_locate(struct ok_err *err, const char *field, long input_line);

/* Prepends context to the message: "context: message". */
void ok_err_prefix(struct ok_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short stable name of a code ("invalid", "not_found", ...), used in JSON errors. */
const char *ok_err_code_name(enum ok_err_code code);

#endif

/*
 * log.c - one line per message, written with a single write so that threads do not interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/banned.h"

static enum log_level current_level = LOG_INFO;

void log_set_level(enum log_level level)
{
    current_level = level;
}

enum log_level log_get_level(void)
{
    return current_level;
}

void log_init_from_env(void)
{
    const char *v = getenv("OKAERI_LOG");
    if (!v)
        return;
    if (!strcmp(v, "debug"))
        current_level = LOG_DEBUG;
    else if (!strcmp(v, "info"))
        current_level = LOG_INFO;
    else if (!strcmp(v, "warn"))
        current_level = LOG_WARN;
    else if (!strcmp(v, "error"))
        current_level = LOG_ERROR;
    else if (!strcmp(v, "off"))
        current_level = LOG_OFF;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    struct tm tm;
    time_t now;
    size_t n;
    va_list ap;
    if (level < current_level || level >= LOG_OFF)
        return;
    now = time(NULL);
    gmtime_r(&now, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%s ", names[level]);
    va_start(ap, fmt);
    if (n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = strlen(line);
    if (n >= sizeof(line) - 1)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nothing sensible to do if stderr is gone */
    }
}

/*
 * log.h - logging to stderr with a level and a timestamp.
 *
 * The level is set once at start (OKAERI_LOG=debug|info|warn|error, default info). Never log
 * passwords, tokens or session ids.
 */
#ifndef OK_CORE_LOG_H
#define OK_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

void log_set_level(enum log_level level);
/* Reads OKAERI_LOG; unknown values leave the level unchanged. */
void log_init_from_env(void);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif

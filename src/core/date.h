/*
 * date.h - calendar dates as days since 1970-01-01, and the date forms Japanese offices write.
 *
 * Inside okaeri a date is an int32_t count of days since 1970-01-01 (negative before it) in the
 * proleptic Gregorian calendar, valid for years 1..9999; a time of day is seconds since midnight
 * (0..86399), with -1 meaning "no time given". Storage and the API use "YYYY-MM-DD" and
 * "YYYY-MM-DD HH:MM:SS". date_parse reads what users type and what registers and spreadsheets
 * export: 2024-01-05, 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, the eras 明治 大正 昭和 平成 令和
 * (令和6年1月5日, 令和元年5月1日, R6.1.5, H31/4/30), full-width digits, a weekday in parentheses
 * and an optional time. Nothing here allocates (apart from the time-zone cache) and everything
 * is thread-safe.
 *
 * Eras begin on the day the era name took effect: 大正 1912-07-30, 昭和 1926-12-25, 平成
 * 1989-01-08, 令和 2019-05-01. 明治 was proclaimed on 1868-10-23 but applied to the whole lunar
 * year, so 明治元年 begins on 1868-01-25 (the Gregorian date of that lunar new year); dates before
 * 1873 are read as Gregorian, not converted from the old lunar calendar.
 */
#ifndef OK_CORE_DATE_H
#define OK_CORE_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DATE_MIN_YEAR  1
#define DATE_MAX_YEAR  9999
#define DATE_SECS_NONE (-1)

/* 1 if y is a Gregorian leap year. */
int date_is_leap(int y);

/* Days in month m (1..12) of year y; 0 for an invalid month. */
int date_days_in_month(int y, int m);

/* Sets *days for year y (1..9999), month m (1..12), day d (1..days in month); returns 0, or -1
 * (leaving *days alone) if the date does not exist. */
int date_from_ymd(int y, int m, int d, int32_t *days);

/* Splits days into year, month (1..12) and day (1..31). Any int32_t value works. */
void date_to_ymd(int32_t days, int *y, int *m, int *d);

/* Day of the week: 0 Sunday, 1 Monday .. 6 Saturday (as struct tm's tm_wday). */
int date_weekday(int32_t days);

/* Adds months (may be negative), clamping the day to the end of the target month:
 * 2024-01-31 + 1 month = 2024-02-29. */
int32_t date_add_months(int32_t days, int months);

/* Strict "YYYY-MM-DD" (exactly 10 ASCII bytes): the storage and API form. Returns 0 or -1. */
int date_parse_iso(const char *s, size_t n, int32_t *days);

/* Writes "YYYY-MM-DD" and a NUL into out. Dates outside years 1..9999 give "0000-00-00". */
void date_format_iso(int32_t days, char out[11]);

/* Reads a date as people and spreadsheets write it (see the top of this file), with an optional
 * time: "2024-01-05 13:45", "2024-01-05T13:45:10", "2024/1/5 9:05:00", "2024年1月5日 13時45分",
 * "2024/1/5 午後1:45", "1/5/2024" is NOT accepted (ambiguous: use date_parse_with_format).
 * Leading and trailing spaces are ignored. Sets *days, and *secs (if secs is not NULL) to the
 * seconds of the day or DATE_SECS_NONE when no time was given. Returns 0, or -1 with err saying
 * what was wrong and giving an example of a valid form. Fractions of a second are dropped. */
int date_parse(const char *s, size_t n, int32_t *days, int32_t *secs, struct ok_err *err);

/* Reads s by a user-given format (import --date-format): %Y (4 digits), %m, %d, %H, %M, %S (1 or
 * 2 digits each), %% and literal text; a space in fmt matches any run of spaces (also none).
 * Full-width digits and punctuation in s match their ASCII forms. fmt must contain %Y, %m and
 * %d. Sets *days and *secs (DATE_SECS_NONE when fmt has no %H). Returns 0, or -1 with err. */
int date_parse_with_format(const char *s, size_t n, const char *fmt, int32_t *days, int32_t *secs,
                           struct ok_err *err);

/* Converts an Excel date serial number. In the 1900 system (date1904 = 0) serial 1 is
 * 1900-01-01 and serial 61 is 1900-03-01; serial 60 is Excel's non-existent 1900-02-29 and is
 * rejected. In the 1904 system serial 0 is 1904-01-01. The fraction is the time of day, rounded
 * to the second; *secs (if not NULL) is that time, or DATE_SECS_NONE for a whole number. Returns
 * 0, or -1 for serials outside 1900-01-01 (1904-01-01) .. 9999-12-31, NaN or infinity. */
int date_from_excel_serial(double serial, int date1904, int32_t *days, int32_t *secs);

/* Writes "YYYY-MM-DD HH:MM:SS" and a NUL into out; secs < 0 is written as 00:00:00. */
void date_format_datetime(int32_t days, int32_t secs, char out[20]);

/* Strict "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (then *secs = DATE_SECS_NONE): the storage form.
 * Returns 0 or -1. */
int date_parse_datetime(const char *s, size_t n, int32_t *days, int32_t *secs);

/* Writes days in the Japanese era form, "令和6年1月5日" ("令和元年5月1日" for year 1),
 * NUL-terminated and truncated to size. Dates before 明治 are written as "YYYY年M月D日". */
void date_format_era(int32_t days, char *out, size_t size);

/* Unix seconds of local date-time (days, secs) at UTC offset offset_secs; secs < 0 counts as 0. */
int64_t date_to_unix(int32_t days, int32_t secs, int32_t offset_secs);

/* Splits Unix time t, shifted by offset_secs, into local days and seconds of day. */
void date_from_unix(int64_t t, int32_t offset_secs, int32_t *days, int32_t *secs);

/* Current Unix time in seconds. */
int64_t date_now_unix(void);

/* Sets *offset_secs to the UTC offset of IANA time zone tz_name ("Asia/Tokyo"; NULL or "" means
 * Asia/Tokyo; "UTC" built in) at Unix time t, summer time included. Reads the compiled zone from
 * /usr/share/zoneinfo (TZif, RFC 8536, with its POSIX-TZ footer for times after the last
 * transition) and caches it; the process's TZ and localtime state are never touched, so this is
 * safe from any thread. Without zoneinfo files, Asia/Tokyo falls back to +09:00. Returns 0, or -1
 * with err for an unknown or malformed zone. */
int date_tz_offset(const char *tz_name, int64_t t, int32_t *offset_secs, struct ok_err *err);

/* Today's date in time zone tz_name (as date_tz_offset; NULL = Asia/Tokyo). An unknown zone
 * counts as UTC: validate configured zone names with date_tz_offset when they are set. */
int32_t date_today(const char *tz_name);

#endif

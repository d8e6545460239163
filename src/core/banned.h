/*
 * banned.h - functions that must not be used in okaeri (after git's banned.h).
 *
 * Each has a safer replacement: snprintf or struct buf instead of sprintf/strcat/strcpy,
 * strtol with full checking instead of atoi, a hand-written scanner instead of strtok.
 * Include this last in every .c file so that a use becomes a compile error.
 */
#ifndef OK_CORE_BANNED_H
#define OK_CORE_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atof
#define atof(x) BANNED(atof)

#endif

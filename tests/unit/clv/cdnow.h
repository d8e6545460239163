/* Test helper for the clv tests: reads the CDNOW summary files of shared/data/cdnow/ (the
 * library itself does no I/O). Header-only, static functions. */
#ifndef OK_TEST_CLV_CDNOW_H
#define OK_TEST_CLV_CDNOW_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CDNOW_MAX 2400

/* Up to 6 numeric columns per row after the header; returns rows read or -1. */
static int cdnow_read(const char *name, double cols[6][CDNOW_MAX])
{
    const char *dir = getenv("OKAERI_SHARED_DATA");
    char path[1024], line[512];
    snprintf(path, sizeof(path), "%s/cdnow/%s", dir ? dir : "../shared/data", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return -1;
    }
    while (n < CDNOW_MAX && fgets(line, sizeof(line), f)) {
        char *p = line;
        for (int c = 0; c < 6; c++) {
            char *end;
            cols[c][n] = strtod(p, &end);
            if (end == p)
                break;
            p = end;
            if (*p == ',')
                p++;
        }
        n++;
    }
    fclose(f);
    return n;
}

#endif

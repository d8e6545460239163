/* Fuzz target for the text import path: encoding detection and decoding (UTF-8, CP932, UTF-16),
 * delimiter detection and the CSV reader, with the default and a tiny block size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "io/csv.h"
#include "io/tabular.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ok_err err;
    struct io_row row;
    struct tabular_options opt = {.format = IO_FORMAT_CSV, .max_field = 4096};
    struct tabular *t = tabular_open_mem(data, size, NULL, &opt, &err);
    if (t) {
        while (tabular_next(t, &row, &err) == 1) {
            size_t i;
            for (i = 0; i < row.n; i++)
                if (row.cells[i].s[row.cells[i].len] != '\0')
                    __builtin_trap();
        }
        tabular_free(&t);
    }
    {
        struct io_source src;
        struct csv_reader r;
        struct csv_options co = {.delimiter = 0, .block_size = 16, .max_field = 256};
        io_source_init_mem(&src, data, size);
        csv_reader_init(&r, &src, &co);
        while (csv_reader_next(&r, &row, &err) == 1)
            ;
        csv_reader_release(&r);
        io_source_release(&src);
    }
    return 0;
}

/* Fuzz target for the .xlsx reader: zip structure, workbook, relationships, shared strings,
 * styles and the streamed sheet, all from one in-memory file. */
#include <stddef.h>
#include <stdint.h>

#include "io/xlsx_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ok_err err;
    struct io_row row;
    struct xlsx_reader *x = xlsx_reader_open_mem(data, size, NULL, &err);
    if (!x)
        return 0;
    while (xlsx_reader_next(x, &row, &err) == 1) {
        size_t i;
        for (i = 0; i < row.n; i++)
            if (row.cells[i].s[row.cells[i].len] != '\0')
                __builtin_trap();
    }
    xlsx_reader_free(&x);
    return 0;
}

/* Fuzz target for playbook message templates: template_check, then template_render in text and
 * HTML form with hostile values. Properties checked (trap when broken):
 *   - rendering fails exactly when checking fails (a checked template always renders);
 *   - a template without "{{" renders as itself in text form;
 *   - in HTML form every '<' of the output starts a "<br>" the renderer wrote: neither the
 *     template nor a value (here "<script>" and quotes) can inject markup. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "automation/template.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct template_vars vars;
    struct ok_err err;
    struct buf out;
    char *text;
    int checked, rc, k;
    size_t i;
    if (size > 8192)
        return 0;
    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    for (k = 0; k < TPL_COUNT; k++)
        vars.v[k] = k % 3 == 0 ? "<script>alert('x')</script>&amp;\"" : k % 3 == 1 ? NULL : "";
    checked = template_check(text, "body", &err);
    CHECK(checked == 0 || err.message[0] != '\0');
    buf_init(&out, 0);
    rc = template_render(text, &vars, 0, &out, &err);
    CHECK(rc == checked);
    if (rc == 0 && !strstr(text, "{{"))
        CHECK(out.len == strlen(text) && memcmp(out.data, text, out.len) == 0);
    buf_reset(&out);
    rc = template_render(text, &vars, 1, &out, &err);
    CHECK(rc == checked);
    for (i = 0; i < out.len; i++)
        if (out.data[i] == '<')
            CHECK(out.len - i >= 4 && memcmp(out.data + i, "<br>", 4) == 0);
    buf_reset(&out);
    rc = template_render(text, NULL, 1, &out, &err);
    CHECK(rc == checked);
    buf_release(&out);
    free(text);
    return 0;
}

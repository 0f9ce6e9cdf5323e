/* Helpers shared by the libFuzzer harnesses (header-only: each harness is one translation unit). */
#ifndef TMX_FUZZ_COMMON_H
#define TMX_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports a broken property and aborts, which libFuzzer records as a crash with its input.
 * text (may be NULL) is the input as read, printed when it is short. */
__attribute__((noreturn, format(printf, 2, 3))) static inline void fuzz_fail(const char *text, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    if (text && strlen(text) <= 2000) fprintf(stderr, "--- input:\n%s\n---\n", text);
    abort();
}

/* A NUL-terminated copy of the input (the bytes may hold NULs of their own). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t) fuzz_fail(NULL, "out of memory copying %zu bytes", size);
    if (size) memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

/* A read-only stream over the first size bytes of buf (the reader sees exactly the input). */
static inline FILE *fuzz_open(char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "r");
    if (!f) fuzz_fail(NULL, "fmemopen failed");
    return f;
}

#endif

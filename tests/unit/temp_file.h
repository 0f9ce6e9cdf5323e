/* A scratch file holding given bytes, for the readers' tests (test_io.c, test_data.c). */
#ifndef TMX_TEST_TEMP_FILE_H
#define TMX_TEST_TEMP_FILE_H

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes `len` bytes to a new temporary file whose path is left in path (char[32]). */
static inline void temp_file(char *path, const char *bytes, size_t len)
{
    strcpy(path, "/tmp/topomix-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    FILE *f = fdopen(fd, "w");
    cr_assert(not(eq(ptr, f, NULL)));
    cr_assert(eq(sz, fwrite(bytes, 1, len, f), len));
    cr_assert(eq(int, fclose(f), 0));
}

#endif

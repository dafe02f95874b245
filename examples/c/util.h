/* Helpers shared by the C examples: reading a file, and checking a call's result. */
#ifndef TILEREDACT_EXAMPLE_UTIL_H
#define TILEREDACT_EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "tileredact.h"

/* Reads a whole file into a malloc'd buffer; exits with a message on failure. */
static inline uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "out of memory reading %s\n", path);
            exit(2);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Prints the failure of `call` with the thread's detail message and exits. */
static inline void check(tileredact_result r, const char *call) {
    if (r == TILEREDACT_RESULT_OK) {
        return;
    }
    char code[128], detail[1024];
    size_t n = 0;
    tileredact_result_message(r, code, sizeof code, &n);
    tileredact_last_error_message(detail, sizeof detail, &n);
    fprintf(stderr, "%s failed: %u (%s): %s\n", call, (unsigned)r, code, detail);
    exit(1);
}

#define CHECK(call) check((call), #call)

#endif

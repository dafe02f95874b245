/* Redacts one PNG tile (through tileredact_redact_encoded) and one RGBA8 buffer (through
 * tileredact_redact_rgba) with the sample zones, and checks that something changed.
 *
 *   redact_tile [ZONES.geojson [TILE.png [OUT.png]]]
 *
 * Defaults: examples/data/zones.geojson and examples/data/11-581-880.png (tile 11/581/880,
 * which the sample zones make partial), run from the repository root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tileredact.h"
#include "util.h"

enum { Z = 11, X = 581, Y = 880, W = 256, STRIDE = W * 4 + 16 };

int main(int argc, char **argv) {
    const char *zones_path = argc > 1 ? argv[1] : "examples/data/zones.geojson";
    const char *tile_path = argc > 2 ? argv[2] : "examples/data/11-581-880.png";
    const char *out_path = argc > 3 ? argv[3] : NULL;

    if (strcmp(tileredact_version(), TILEREDACT_VERSION) != 0) {
        fprintf(stderr, "header %s but library %s\n", TILEREDACT_VERSION, tileredact_version());
        return 1;
    }

    size_t geojson_len = 0, png_len = 0;
    uint8_t *geojson = read_file(zones_path, &geojson_len);
    uint8_t *png = read_file(tile_path, &png_len);

    tileredact_zones *zones = NULL;
    CHECK(tileredact_zones_from_geojson(geojson, geojson_len, &zones));
    free(geojson);
    printf("zones: %zu\n", tileredact_zones_len(zones));

    uint8_t key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)(7 * i + 1);
    }
    static const char policy[] = "{\"default\": {\"operator\": \"inpaint\"},"
                                 " \"categories\": {\"military\": {\"operator\": \"fill\"}}}";
    tileredact_redactor *redactor = NULL;
    CHECK(tileredact_redactor_new(zones, (const uint8_t *)policy, strlen(policy), key, sizeof key,
                                  &redactor));
    tileredact_zones_free(zones); /* the redactor keeps its own reference */

    uint32_t status = 99;
    CHECK(tileredact_tile_status(redactor, Z, X, Y, &status));
    printf("tile %d/%d/%d: status %u\n", Z, X, Y, status);
    if (status != TILEREDACT_TILE_PARTIAL) {
        fprintf(stderr, "expected a partial tile\n");
        return 1;
    }

    /* The encoded tile: a fresh PNG that differs from the input. */
    tileredact_bytes *out = NULL;
    CHECK(tileredact_redact_encoded(redactor, Z, X, Y, png, png_len, &out));
    const uint8_t *data = tileredact_bytes_data(out);
    size_t len = tileredact_bytes_len(out);
    printf("encoded: %zu bytes in, %zu bytes out\n", png_len, len);
    if (len < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) {
        fprintf(stderr, "the output is not a PNG\n");
        return 1;
    }
    if (len == png_len && memcmp(data, png, len) == 0) {
        fprintf(stderr, "the redacted tile is the input: nothing was redacted\n");
        return 1;
    }
    if (out_path != NULL) {
        FILE *f = fopen(out_path, "wb");
        if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "cannot write %s\n", out_path);
            return 1;
        }
    }
    tileredact_bytes_free(out);
    free(png);

    /* The redaction mask says which pixels must change. */
    static uint8_t mask[W * W];
    CHECK(tileredact_tile_mask(redactor, Z, X, Y, TILEREDACT_MASK_REDACTION, mask, W, W, W));
    size_t inside = 0;
    for (size_t i = 0; i < sizeof mask; i++) {
        inside += mask[i] != 0;
    }
    printf("redaction mask: %zu of %d pixels\n", inside, W * W);
    if (inside == 0 || inside == (size_t)W * W) {
        fprintf(stderr, "expected a partial mask\n");
        return 1;
    }

    /* An RGBA8 buffer with padding between rows: a gradient, redacted in place. */
    uint8_t *pixels = malloc((size_t)STRIDE * W);
    uint8_t *before = malloc((size_t)STRIDE * W);
    if (pixels == NULL || before == NULL) {
        return 2;
    }
    for (size_t row = 0; row < W; row++) {
        for (size_t i = 0; i < STRIDE; i++) {
            pixels[row * STRIDE + i] = (uint8_t)(row + 3 * i);
        }
        for (size_t col = 0; col < W; col++) {
            pixels[row * STRIDE + 4 * col + 3] = 255;
        }
    }
    memcpy(before, pixels, (size_t)STRIDE * W);
    CHECK(tileredact_redact_rgba(redactor, Z, X, Y, pixels, W, W, STRIDE, 0));
    size_t changed = 0, outside_changed = 0, padding_changed = 0;
    for (size_t row = 0; row < W; row++) {
        for (size_t i = 0; i < STRIDE; i++) {
            size_t k = row * STRIDE + i;
            if (pixels[k] == before[k]) {
                continue;
            }
            if (i >= 4 * W) {
                padding_changed++;
            } else if (mask[row * W + i / 4] == 0) {
                outside_changed++;
            } else {
                changed++;
            }
        }
    }
    printf("rgba: %zu bytes changed inside the mask, %zu outside, %zu in the padding\n", changed,
           outside_changed, padding_changed);
    free(pixels);
    free(before);
    tileredact_redactor_free(redactor);
    if (changed == 0 || outside_changed != 0 || padding_changed != 0) {
        fprintf(stderr, "expected changes inside the mask only\n");
        return 1;
    }
    printf("redact_tile: ok\n");
    return 0;
}

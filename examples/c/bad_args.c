/* Passes bad arguments to every entry point and checks that each call returns the right
 * result code, names the problem in the thread's detail message, and leaves its outputs
 * untouched. Exits non-zero on any mismatch.
 *
 *   bad_args [ZONES.geojson [TILE.png]]   (defaults as redact_tile) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tileredact.h"
#include "util.h"

static int failures = 0;
static int checks = 0;

/* Checks that `got` is `want` and that the detail message contains `detail`. */
static void expect(tileredact_result got, tileredact_result want, const char *detail,
                   const char *what, int line) {
    checks++;
    char msg[1024];
    size_t n = 0;
    tileredact_last_error_message(msg, sizeof msg, &n);
    if (got != want) {
        fprintf(stderr, "line %d: %s: got %u, expected %u (detail: %s)\n", line, what,
                (unsigned)got, (unsigned)want, msg);
        failures++;
    } else if (detail != NULL && strstr(msg, detail) == NULL) {
        fprintf(stderr, "line %d: %s: detail %s lacks %s\n", line, what, msg, detail);
        failures++;
    }
}

#define EXPECT(call, want, detail) expect((call), (want), (detail), #call, __LINE__)

static void untouched(int ok, const char *what, int line) {
    checks++;
    if (!ok) {
        fprintf(stderr, "line %d: %s was written on failure\n", line, what);
        failures++;
    }
}

#define UNTOUCHED(cond) untouched((cond), #cond, __LINE__)

static int all_bytes(const uint8_t *p, size_t n, uint8_t v) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

enum { W = 256 };

int main(int argc, char **argv) {
    const char *zones_path = argc > 1 ? argv[1] : "examples/data/zones.geojson";
    const char *tile_path = argc > 2 ? argv[2] : "examples/data/11-581-880.png";
    size_t geojson_len = 0, png_len = 0;
    uint8_t *geojson = read_file(zones_path, &geojson_len);
    uint8_t *png = read_file(tile_path, &png_len);
    /* A sentinel that no call may write over an out-pointer on failure. */
    void *const sentinel = (void *)&failures;

    /* --- messages --- */
    char buf[64];
    size_t n = 12345;
    EXPECT(tileredact_result_message(TILEREDACT_RESULT_OK, buf, sizeof buf, NULL),
           TILEREDACT_RESULT_NULL_POINTER, "out_n");
    EXPECT(tileredact_result_message(TILEREDACT_RESULT_OK, NULL, 8, &n),
           TILEREDACT_RESULT_NULL_POINTER, "`buf`");
    UNTOUCHED(n == 12345);
    EXPECT(tileredact_result_message(TILEREDACT_RESULT_OK, NULL, 0, &n), TILEREDACT_RESULT_OK,
           NULL);
    checks++;
    if (n != strlen("success")) {
        fprintf(stderr, "length query: %zu\n", n);
        failures++;
    }
    memset(buf, 'x', sizeof buf);
    EXPECT(tileredact_result_message(TILEREDACT_RESULT_OK, buf, 4, &n), TILEREDACT_RESULT_OK,
           NULL);
    checks++;
    if (n != 7 || strcmp(buf, "suc") != 0 || buf[4] != 'x') {
        fprintf(stderr, "truncation: n %zu, buf %.8s\n", n, buf);
        failures++;
    }
    EXPECT(tileredact_result_message(12345, buf, sizeof buf, &n), TILEREDACT_RESULT_OK, NULL);
    checks++;
    if (strcmp(buf, "unknown result code 12345") != 0) {
        fprintf(stderr, "unknown code: %s\n", buf);
        failures++;
    }

    /* --- zones --- */
    tileredact_zones *zones = sentinel;
    EXPECT(tileredact_zones_from_geojson(NULL, 10, &zones), TILEREDACT_RESULT_NULL_POINTER,
           "`data` is NULL");
    UNTOUCHED(zones == sentinel);
    EXPECT(tileredact_zones_from_geojson(geojson, geojson_len, NULL),
           TILEREDACT_RESULT_NULL_POINTER, "`out` is NULL");
    static const char malformed[] = "{\"type\": \"FeatureCollection\", \"features\": [";
    EXPECT(tileredact_zones_from_geojson((const uint8_t *)malformed, strlen(malformed), &zones),
           TILEREDACT_RESULT_ZONE_SYNTAX, "truncated");
    UNTOUCHED(zones == sentinel);
    EXPECT(tileredact_zones_from_geojson(geojson, 0, &zones), TILEREDACT_RESULT_ZONE_SYNTAX,
           NULL);
    UNTOUCHED(zones == sentinel);
    static const char bad_lat[] =
        "{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 95], [1, 0], [0, 0]]]}";
    EXPECT(tileredact_zones_from_geojson((const uint8_t *)bad_lat, strlen(bad_lat), &zones),
           TILEREDACT_RESULT_INVALID_ZONE, "latitude 95");
    UNTOUCHED(zones == sentinel);
    static const uint8_t not_utf8[] = {'{', 0xff, '}'};
    EXPECT(tileredact_zones_from_geojson(not_utf8, sizeof not_utf8, &zones),
           TILEREDACT_RESULT_ZONE_SYNTAX, "offset 1");
    UNTOUCHED(zones == sentinel);
    CHECK(tileredact_zones_from_geojson(geojson, geojson_len, &zones));

    /* --- redactor --- */
    uint8_t key[32] = {0};
    tileredact_redactor *redactor = sentinel;
    EXPECT(tileredact_redactor_new(NULL, NULL, 0, NULL, 0, &redactor),
           TILEREDACT_RESULT_NULL_POINTER, "`zones`");
    EXPECT(tileredact_redactor_new(zones, NULL, 0, NULL, 0, NULL),
           TILEREDACT_RESULT_NULL_POINTER, "`out`");
    EXPECT(tileredact_redactor_new(zones, NULL, 0, key, 16, &redactor),
           TILEREDACT_RESULT_BUFFER_SIZE, "expected exactly 32");
    EXPECT(tileredact_redactor_new(zones, NULL, 0, key, 0, &redactor),
           TILEREDACT_RESULT_BUFFER_SIZE, "expected exactly 32");
    static const char bad_policy[] = "{\"default\": {\"operator\": \"smudge\"}}";
    EXPECT(tileredact_redactor_new(zones, (const uint8_t *)bad_policy, strlen(bad_policy), key,
                                   32, &redactor),
           TILEREDACT_RESULT_INVALID_PARAMETER, "smudge");
    static const char snap_policy[] = "{\"default\": {\"points\": {\"snap\": {\"cell_m\": 100}}}}";
    EXPECT(tileredact_redactor_new(zones, (const uint8_t *)snap_policy, strlen(snap_policy), NULL,
                                   0, &redactor),
           TILEREDACT_RESULT_INVALID_PARAMETER, "needs a redaction key");
    UNTOUCHED(redactor == sentinel);
    CHECK(tileredact_redactor_new(zones, NULL, 0, key, 32, &redactor));
    tileredact_zones_free(zones);

    /* --- tile status --- */
    uint32_t status = 77;
    EXPECT(tileredact_tile_status(NULL, 11, 581, 880, &status), TILEREDACT_RESULT_NULL_POINTER,
           "`redactor`");
    EXPECT(tileredact_tile_status(redactor, 11, 581, 880, NULL), TILEREDACT_RESULT_NULL_POINTER,
           "`out_status`");
    EXPECT(tileredact_tile_status(redactor, 31, 0, 0, &status), TILEREDACT_RESULT_INVALID_TILE,
           "zoom 31");
    EXPECT(tileredact_tile_status(redactor, 300, 0, 0, &status), TILEREDACT_RESULT_INVALID_TILE,
           "zoom 300");
    EXPECT(tileredact_tile_status(redactor, 11, 2048, 880, &status),
           TILEREDACT_RESULT_INVALID_TILE, "0..2048");
    UNTOUCHED(status == 77);

    /* --- masks --- */
    static uint8_t mask[512 * 512];
    memset(mask, 0xab, sizeof mask);
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 2, mask, W, W, W),
           TILEREDACT_RESULT_INVALID_ENUM, "`kind` is 2");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 0, mask, 0, 0, W),
           TILEREDACT_RESULT_INVALID_PARAMETER, "0x0");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 0, mask, 256, 512, 512),
           TILEREDACT_RESULT_INVALID_PARAMETER, "256x512");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 1, mask, 300, 300, 300),
           TILEREDACT_RESULT_INVALID_PARAMETER, "expected 256x256 or 512x512");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 1, mask, W, W, W - 1),
           TILEREDACT_RESULT_STRIDE_TOO_SMALL, "`stride` is 255");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 1, NULL, W, W, W),
           TILEREDACT_RESULT_NULL_POINTER, "`out`");
    EXPECT(tileredact_tile_mask(redactor, 12, 4096, 880, 1, mask, W, W, W),
           TILEREDACT_RESULT_INVALID_TILE, "0..4096");
    EXPECT(tileredact_tile_mask(redactor, 11, 581, 880, 1, mask, W, W, SIZE_MAX / 2),
           TILEREDACT_RESULT_INVALID_PARAMETER, "larger than any buffer");
    UNTOUCHED(all_bytes(mask, sizeof mask, 0xab));

    /* --- RGBA --- */
    enum { STRIDE = W * 4 };
    static uint8_t pixels[STRIDE * W];
    memset(pixels, 0x5a, sizeof pixels);
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, pixels, W, W, STRIDE, 2),
           TILEREDACT_RESULT_INVALID_ENUM, "`flags` is 0x2");
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, pixels, W, W, STRIDE, 0x80000001u),
           TILEREDACT_RESULT_INVALID_ENUM, "`flags`");
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, pixels, W, W, STRIDE - 4, 0),
           TILEREDACT_RESULT_STRIDE_TOO_SMALL, "at least 1024 bytes");
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, pixels, 0, W, STRIDE, 0),
           TILEREDACT_RESULT_INVALID_PARAMETER, "0x256");
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, pixels, 128, 128, STRIDE, 0),
           TILEREDACT_RESULT_INVALID_PARAMETER, "128x128");
    EXPECT(tileredact_redact_rgba(redactor, 11, 581, 880, NULL, W, W, STRIDE, 0),
           TILEREDACT_RESULT_NULL_POINTER, "`pixels`");
    EXPECT(tileredact_redact_rgba(NULL, 11, 581, 880, pixels, W, W, STRIDE, 0),
           TILEREDACT_RESULT_NULL_POINTER, "`redactor`");
    EXPECT(tileredact_redact_rgba(redactor, 40, 0, 0, pixels, W, W, STRIDE, 0),
           TILEREDACT_RESULT_INVALID_TILE, "zoom 40");
    UNTOUCHED(all_bytes(pixels, sizeof pixels, 0x5a));

    /* --- encoded tiles --- */
    tileredact_bytes *out = sentinel;
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, NULL, png_len, &out),
           TILEREDACT_RESULT_NULL_POINTER, "`data`");
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, png, png_len, NULL),
           TILEREDACT_RESULT_NULL_POINTER, "`out`");
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, png, 0, &out),
           TILEREDACT_RESULT_DECODE, "unknown signature");
    /* A short buffer: the PNG cut in half. */
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, png, png_len / 2, &out),
           TILEREDACT_RESULT_DECODE, "png");
    /* A corrupt PNG: bytes flipped in the middle of the image data. */
    uint8_t *corrupt = malloc(png_len);
    if (corrupt == NULL) {
        return 2;
    }
    memcpy(corrupt, png, png_len);
    for (size_t i = png_len / 3; i < png_len / 3 + 64; i++) {
        corrupt[i] ^= 0x5a;
    }
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, corrupt, png_len, &out),
           TILEREDACT_RESULT_DECODE, "png");
    free(corrupt);
    EXPECT(tileredact_redact_encoded(redactor, 11, 581, 880, (const uint8_t *)"GIF89a", 6, &out),
           TILEREDACT_RESULT_DECODE, "not a PNG, JPEG or WebP");
    EXPECT(tileredact_redact_encoded(redactor, 31, 0, 0, png, png_len, &out),
           TILEREDACT_RESULT_INVALID_TILE, NULL);
    UNTOUCHED(out == sentinel);

    /* --- coordinates --- */
    double lon[3] = {116.4, 121.47, 113.0}, lat[3] = {39.9, 31.23, 23.1};
    const double lon0[3] = {116.4, 121.47, 113.0}, lat0[3] = {39.9, 31.23, 23.1};
    EXPECT(tileredact_coords_transform(3, 1, 2, lon, lat, 3), TILEREDACT_RESULT_INVALID_ENUM,
           "`from` is 3");
    EXPECT(tileredact_coords_transform(0, 1, 7, lon, lat, 3), TILEREDACT_RESULT_INVALID_ENUM,
           "`region` is 7");
    EXPECT(tileredact_coords_transform(0, 1, 2, NULL, lat, 3), TILEREDACT_RESULT_NULL_POINTER,
           "`lon`");
    EXPECT(tileredact_coords_transform(0, 1, 2, lon, lon, 3), TILEREDACT_RESULT_INVALID_PARAMETER,
           "overlap");
    lat[2] = NAN;
    EXPECT(tileredact_coords_transform(0, 1, 2, lon, lat, 3),
           TILEREDACT_RESULT_INVALID_COORDINATE, "point 2");
    UNTOUCHED(memcmp(lon, lon0, sizeof lon) == 0 && memcmp(lat, lat0, 2 * sizeof(double)) == 0);
    lat[2] = 95.0;
    EXPECT(tileredact_coords_transform(0, 1, 2, lon, lat, 3),
           TILEREDACT_RESULT_INVALID_COORDINATE, "point 2");
    UNTOUCHED(memcmp(lon, lon0, sizeof lon) == 0 && memcmp(lat, lat0, 2 * sizeof(double)) == 0);
    EXPECT(tileredact_coords_transform(0, 1, 2, lon, lat, 0), TILEREDACT_RESULT_OK, NULL);
    lat[2] = lat0[2];
    EXPECT(tileredact_coords_transform(0, 1, 2, lon, lat, 3), TILEREDACT_RESULT_OK, NULL);
    checks++;
    if (fabs(lon[0] - lon0[0]) < 1e-4 || fabs(lon[0] - lon0[0]) > 0.01) {
        fprintf(stderr, "WGS-84 -> GCJ-02 moved Beijing by %g degrees\n", lon[0] - lon0[0]);
        failures++;
    }

    /* --- points --- */
    double plon[2] = {-77.953, 10.0}, plat[2] = {24.636, 95.0};
    uint8_t actions[2] = {0xee, 0xee};
    EXPECT(tileredact_redact_points(redactor, plon, plat, 2, actions),
           TILEREDACT_RESULT_INVALID_COORDINATE, "point 1");
    UNTOUCHED(plon[0] == -77.953 && plat[0] == 24.636 && actions[0] == 0xee);
    EXPECT(tileredact_redact_points(redactor, plon, plat, 2, NULL),
           TILEREDACT_RESULT_NULL_POINTER, "`out_actions`");
    EXPECT(tileredact_redact_points(redactor, plon, plat, 2, (uint8_t *)plat),
           TILEREDACT_RESULT_INVALID_PARAMETER, "overlap");
    plat[1] = 50.0;
    EXPECT(tileredact_redact_points(redactor, plon, plat, 2, actions), TILEREDACT_RESULT_OK,
           NULL);
    checks++;
    if (actions[0] != TILEREDACT_POINT_SUPPRESSED || !isnan(plon[0]) ||
        actions[1] != TILEREDACT_POINT_KEPT || plon[1] != 10.0) {
        fprintf(stderr, "points: actions %u %u, lon %g %g\n", actions[0], actions[1], plon[0],
                plon[1]);
        failures++;
    }

    /* --- frees accept NULL --- */
    tileredact_zones_free(NULL);
    tileredact_redactor_free(NULL);
    tileredact_bytes_free(NULL);
    checks++;
    if (tileredact_bytes_data(NULL) != NULL || tileredact_bytes_len(NULL) != 0 ||
        tileredact_zones_len(NULL) != 0) {
        fprintf(stderr, "NULL handles: non-empty answers\n");
        failures++;
    }

    tileredact_redactor_free(redactor);
    free(geojson);
    free(png);
    printf("bad_args: %d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}

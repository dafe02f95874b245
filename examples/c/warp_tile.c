/* Warps a Beijing tile from the WGS-84 grid to the GCJ-02 grid through
 * tileredact_warp_required_tiles and tileredact_warp_tile, and checks the result: the source
 * tiles carry a pattern anchored to world pixels (their world position mod 4096), so with the nearest filter each output pixel says where it was read from, which must
 * be the offset that tileredact_coords_transform gives for the tile's centre. Then a missing
 * source, a tile outside the region (a copy) and a refused call (nothing written).
 *
 *   warp_tile */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tileredact.h"
#include "util.h"

enum { Z = 16, X = 53957, Y = 24838, W = 256, SRC_STRIDE = W * 4, OUT_STRIDE = W * 4 + 8 };

static const double PI = 3.14159265358979323846;

/* World pixel of a longitude / latitude at zoom Z (256-pixel tiles). */
static double world_x(double lon) { return (lon + 180.0) / 360.0 * W * (double)(1u << Z); }
static double world_y(double lat) {
    double r = lat * PI / 180.0;
    return (1.0 - log(tan(r) + 1.0 / cos(r)) / PI) / 2.0 * W * (double)(1u << Z);
}
static double lon_of(double wx) { return wx / (W * (double)(1u << Z)) * 360.0 - 180.0; }
static double lat_of(double wy) {
    double n = PI - 2.0 * PI * wy / (W * (double)(1u << Z));
    return 180.0 / PI * atan(0.5 * (exp(n) - exp(-n)));
}

/* A source tile: red = world x mod 256 (0 at the tile's left edge), green = world y mod 256,
 * blue = the tile's column mod 16 (high nibble) and row mod 16 (low nibble), opaque: so a
 * pixel tells its world position mod 4096. */
static uint8_t *pattern(tileredact_tile_id t) {
    uint8_t *px = malloc((size_t)SRC_STRIDE * W);
    if (px == NULL) {
        exit(2);
    }
    for (size_t y = 0; y < W; y++) {
        for (size_t x = 0; x < W; x++) {
            uint8_t *p = px + y * SRC_STRIDE + 4 * x;
            p[0] = (uint8_t)x;
            p[1] = (uint8_t)y;
            p[2] = (uint8_t)((t.x & 15) << 4 | (t.y & 15));
            p[3] = 255;
        }
    }
    return px;
}

int main(void) {
    /* Which source tiles: ask for the number first. */
    size_t n = 0;
    CHECK(tileredact_warp_required_tiles(Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, NULL, 0, &n));
    if (n < 2 || n > 9) {
        fprintf(stderr, "expected 2..9 source tiles at z16, got %zu\n", n);
        return 1;
    }
    tileredact_tile_id *ids = calloc(n, sizeof *ids);
    const uint8_t **pixels = calloc(n, sizeof *pixels);
    size_t *strides = calloc(n, sizeof *strides);
    uint8_t *out = malloc((size_t)OUT_STRIDE * W);
    if (ids == NULL || pixels == NULL || strides == NULL || out == NULL) {
        return 2;
    }
    size_t m = 0;
    if (n > 1) {
        /* Too small: refused, nothing written. */
        tileredact_result r = tileredact_warp_required_tiles(
            Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, ids, n - 1, &m);
        if (r != TILEREDACT_RESULT_BUFFER_SIZE || m != 0 || ids[0].z != 0) {
            fprintf(stderr, "a small array must give BUFFER_SIZE and write nothing\n");
            return 1;
        }
    }
    CHECK(tileredact_warp_required_tiles(Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, ids, n, &m));
    if (m != n) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        pixels[i] = pattern(ids[i]);
        strides[i] = SRC_STRIDE;
    }

    /* The expected offset at the tile's centre: the GCJ-02 point's WGS-84 position. */
    double cx = (X + 0.5) * W, cy = (Y + 0.5) * W;
    double lon = lon_of(cx), lat = lat_of(cy);
    CHECK(tileredact_coords_transform(TILEREDACT_DATUM_GCJ02, TILEREDACT_DATUM_WGS84,
                                      TILEREDACT_REGION_POLYGON, &lon, &lat, 1));
    double dx = world_x(lon) - cx, dy = world_y(lat) - cy;
    printf("offset at the centre: %.2f, %.2f pixels\n", dx, dy);

    memset(out, 0xee, (size_t)OUT_STRIDE * W);
    tileredact_warp_report report = {0};
    CHECK(tileredact_warp_tile(Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, TILEREDACT_WARP_NEAREST,
                               ids, pixels, strides, n, out, W, W, OUT_STRIDE, &report));
    printf("report: missing %zu, outside %u, lattice step %u, exact pixels %zu\n", report.missing,
           report.outside_region, report.lattice_step, report.exact_pixels);
    if (report.missing != 0 || report.outside_region != 0 || report.lattice_step == 0) {
        fprintf(stderr, "unexpected report\n");
        return 1;
    }
    /* Each pixel was read at the world pixel floor(centre + offset): its red and green say
     * where, within one pixel of the centre's offset (the offset varies across the tile). */
    long far = 0;
    for (long y = 0; y < W; y++) {
        for (long x = 0; x < W; x++) {
            const uint8_t *p = out + y * OUT_STRIDE + 4 * x;
            /* The source's world position mod 4096 minus the target's, less the expected
             * shift, wrapped into -2048..2047. */
            long sx = (long)(p[2] >> 4) * 256 + p[0] - ((long)X % 16 * 256 + x);
            long sy = (long)(p[2] & 15) * 256 + p[1] - ((long)Y % 16 * 256 + y);
            sx = (((sx - (long)floor(0.5 + dx)) % 4096) + 4096 + 2048) % 4096 - 2048;
            sy = (((sy - (long)floor(0.5 + dy)) % 4096) + 4096 + 2048) % 4096 - 2048;
            if (p[3] != 255 || labs(sx) > 1 || labs(sy) > 1) {
                far++;
            }
        }
        for (size_t i = 4 * W; i < OUT_STRIDE; i++) {
            if (out[y * OUT_STRIDE + i] != 0xee) {
                fprintf(stderr, "the padding of row %ld was written\n", y);
                return 1;
            }
        }
    }
    printf("pixels not read at the offset: %ld of %d\n", far, W * W);
    if (far != 0 || fabs(dx) < 5.0) {
        fprintf(stderr, "the warp did not move the pixels by the GCJ-02 offset\n");
        return 1;
    }

    /* A missing source (NULL pixels): counted, and its pixels are transparent. */
    const uint8_t *kept = pixels[0];
    pixels[0] = NULL;
    CHECK(tileredact_warp_tile(Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, TILEREDACT_WARP_BILINEAR,
                               ids, pixels, strides, n, out, W, W, OUT_STRIDE, &report));
    size_t clear = 0;
    for (size_t y = 0; y < W; y++) {
        for (size_t x = 0; x < W; x++) {
            clear += out[y * OUT_STRIDE + 4 * x + 3] == 0;
        }
    }
    printf("without source %u/%u/%u: missing %zu, %zu transparent pixels\n", ids[0].z, ids[0].x,
           ids[0].y, report.missing, clear);
    pixels[0] = kept;
    if (report.missing != 1 || clear == 0) {
        fprintf(stderr, "expected one missing source and transparent pixels\n");
        return 1;
    }

    /* Refused: a source listed twice. Nothing is written. */
    memset(out, 0x11, (size_t)OUT_STRIDE * W);
    tileredact_warp_report untouched = {.missing = 42};
    tileredact_tile_id first = ids[1];
    ids[1] = ids[0];
    tileredact_result r =
        tileredact_warp_tile(Z, X, Y, TILEREDACT_WARP_WGS84_TO_GCJ02, TILEREDACT_WARP_BICUBIC, ids,
                             pixels, strides, n, out, W, W, OUT_STRIDE, &untouched);
    ids[1] = first;
    if (r != TILEREDACT_RESULT_INVALID_PARAMETER || untouched.missing != 42) {
        fprintf(stderr, "a duplicated source must be refused, got %u\n", (unsigned)r);
        return 1;
    }
    for (size_t i = 0; i < (size_t)OUT_STRIDE * W; i++) {
        if (out[i] != 0x11) {
            fprintf(stderr, "a refused call wrote its output\n");
            return 1;
        }
    }

    /* Outside the region (Paris at z16): the source tile with the same address, copied. */
    tileredact_tile_id paris = {16, 33198, 22543};
    size_t np = 0;
    CHECK(tileredact_warp_required_tiles(paris.z, paris.x, paris.y,
                                         TILEREDACT_WARP_GCJ02_TO_WGS84, &first, 1, &np));
    uint8_t *src = pattern(paris);
    const uint8_t *src_ptr = src;
    size_t src_stride = SRC_STRIDE;
    CHECK(tileredact_warp_tile(paris.z, paris.x, paris.y, TILEREDACT_WARP_GCJ02_TO_WGS84,
                               TILEREDACT_WARP_BICUBIC, &paris, &src_ptr, &src_stride, 1, out, W,
                               W, OUT_STRIDE, &report));
    int same = np == 1 && first.x == paris.x && first.y == paris.y && report.outside_region == 1;
    for (size_t y = 0; y < W; y++) {
        same = same && memcmp(out + y * OUT_STRIDE, src + y * SRC_STRIDE, 4 * W) == 0;
    }
    free(src);
    if (!same) {
        fprintf(stderr, "a tile outside the region must be a copy of its source\n");
        return 1;
    }

    for (size_t i = 0; i < n; i++) {
        free((void *)pixels[i]);
    }
    free(ids);
    free(pixels);
    free(strides);
    free(out);
    printf("warp_tile: ok\n");
    return 0;
}

/* Four threads share one redactor and redact the same tiles (encoded and RGBA8), their mask
 * and some points; every thread must get exactly the results of the main thread.
 *
 *   threads [ZONES.geojson [TILE.png]]   (defaults as redact_tile) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tileredact.h"
#include "util.h"

enum { THREADS = 4, ROUNDS = 3, W = 256, NPOINTS = 64 };

/* Tiles around the sample zones: partial, clear and neighbours. */
static const uint32_t TILES[][3] = {
    {11, 581, 880}, {11, 580, 880}, {11, 581, 879}, {10, 290, 440}, {3, 1, 2},
};
enum { NTILES = sizeof TILES / sizeof TILES[0] };

struct result {
    uint8_t *encoded[NTILES];
    size_t encoded_len[NTILES];
    uint8_t rgba[NTILES][W * W * 4];
    uint8_t mask[NTILES][W * W];
    double lon[NPOINTS], lat[NPOINTS];
    uint8_t actions[NPOINTS];
};

static const tileredact_redactor *redactor;
static const uint8_t *png;
static size_t png_len;

static void fill_rgba(uint8_t *px) {
    for (size_t i = 0; i < (size_t)W * W * 4; i++) {
        px[i] = (uint8_t)(i * 7 + i / 1024);
    }
}

static void run(struct result *res) {
    for (int t = 0; t < NTILES; t++) {
        uint32_t z = TILES[t][0], x = TILES[t][1], y = TILES[t][2];
        tileredact_bytes *out = NULL;
        CHECK(tileredact_redact_encoded(redactor, z, x, y, png, png_len, &out));
        res->encoded_len[t] = tileredact_bytes_len(out);
        res->encoded[t] = malloc(res->encoded_len[t]);
        if (res->encoded[t] == NULL) {
            exit(2);
        }
        memcpy(res->encoded[t], tileredact_bytes_data(out), res->encoded_len[t]);
        tileredact_bytes_free(out);
        fill_rgba(res->rgba[t]);
        CHECK(tileredact_redact_rgba(redactor, z, x, y, res->rgba[t], W, W, W * 4, 0));
        CHECK(tileredact_tile_mask(redactor, z, x, y, TILEREDACT_MASK_COVERAGE, res->mask[t], W,
                                   W, W));
    }
    for (int i = 0; i < NPOINTS; i++) {
        /* A line of points across the first sample zone (rz-01) and beyond. */
        res->lon[i] = -77.96 + 0.0002 * i;
        res->lat[i] = 24.636;
    }
    CHECK(tileredact_redact_points(redactor, res->lon, res->lat, NPOINTS, res->actions));
}

static void *worker(void *arg) {
    struct result *res = arg;
    for (int r = 0; r < ROUNDS; r++) {
        if (r > 0) {
            for (int t = 0; t < NTILES; t++) {
                free(res->encoded[t]);
            }
        }
        run(res);
    }
    return NULL;
}

static int same(const struct result *a, const struct result *b) {
    for (int t = 0; t < NTILES; t++) {
        if (a->encoded_len[t] != b->encoded_len[t] ||
            memcmp(a->encoded[t], b->encoded[t], a->encoded_len[t]) != 0) {
            fprintf(stderr, "tile %d: encoded outputs differ\n", t);
            return 0;
        }
    }
    if (memcmp(a->rgba, b->rgba, sizeof a->rgba) != 0 ||
        memcmp(a->mask, b->mask, sizeof a->mask) != 0 ||
        memcmp(a->actions, b->actions, sizeof a->actions) != 0) {
        fprintf(stderr, "rgba, masks or point actions differ\n");
        return 0;
    }
    for (int i = 0; i < NPOINTS; i++) {
        /* NaN != NaN: compare the bits. */
        if (memcmp(&a->lon[i], &b->lon[i], sizeof(double)) != 0 ||
            memcmp(&a->lat[i], &b->lat[i], sizeof(double)) != 0) {
            fprintf(stderr, "point %d differs\n", i);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    const char *zones_path = argc > 1 ? argv[1] : "examples/data/zones.geojson";
    const char *tile_path = argc > 2 ? argv[2] : "examples/data/11-581-880.png";
    size_t geojson_len = 0;
    uint8_t *geojson = read_file(zones_path, &geojson_len);
    uint8_t *tile = read_file(tile_path, &png_len);
    png = tile;

    tileredact_zones *zones = NULL;
    CHECK(tileredact_zones_from_geojson(geojson, geojson_len, &zones));
    free(geojson);
    uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const char policy[] = "{\"default\": {\"operator\": \"texture\", \"points\": "
                                 "{\"displace\": {\"radius_m\": 1000}}}}";
    tileredact_redactor *r = NULL;
    CHECK(tileredact_redactor_new(zones, (const uint8_t *)policy, strlen(policy), key, 32, &r));
    tileredact_zones_free(zones);
    redactor = r;

    static struct result reference, results[THREADS];
    run(&reference);
    size_t displaced = 0;
    for (int i = 0; i < NPOINTS; i++) {
        displaced += reference.actions[i] == TILEREDACT_POINT_DISPLACED;
    }
    if (displaced == 0 || displaced == NPOINTS) {
        fprintf(stderr, "expected some points displaced, some kept (%zu displaced)\n", displaced);
        return 1;
    }
    if (memcmp(reference.encoded[0], tile, reference.encoded_len[0] < png_len
                                                 ? reference.encoded_len[0]
                                                 : png_len) == 0 &&
        reference.encoded_len[0] == png_len) {
        fprintf(stderr, "the partial tile was not redacted\n");
        return 1;
    }

    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        if (pthread_create(&threads[i], NULL, worker, &results[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    int ok = 1;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        if (!same(&reference, &results[i])) {
            fprintf(stderr, "thread %d differs from the main thread\n", i);
            ok = 0;
        }
    }
    for (int t = 0; t < NTILES; t++) {
        free(reference.encoded[t]);
        for (int i = 0; i < THREADS; i++) {
            free(results[i].encoded[t]);
        }
    }
    tileredact_redactor_free(r);
    free(tile);
    if (!ok) {
        return 1;
    }
    printf("threads: %d threads x %d rounds, %d tiles and %d points each: identical (%zu "
           "points displaced)\n",
           THREADS, ROUNDS, NTILES, NPOINTS, displaced);
    return 0;
}

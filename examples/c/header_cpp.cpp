// The header compiles as C++ (g++ -std=c++17 -Wall -Wextra -Werror -pedantic) and links:
// extern "C" guards, no C-only constructs.
#include <cstdio>
#include <cstring>

#include "tileredact.h"

int main() {
    if (std::strcmp(tileredact_version(), TILEREDACT_VERSION) != 0) {
        return 1;
    }
    static_assert(TILEREDACT_VERSION_MAJOR >= 0, "version macros are integers");
    char buf[64];
    size_t n = 0;
    tileredact_result r = tileredact_result_message(TILEREDACT_RESULT_PANIC, buf, sizeof buf, &n);
    if (r != TILEREDACT_RESULT_OK || n == 0) {
        return 1;
    }
    tileredact_zones *zones = nullptr;
    r = tileredact_zones_from_geojson(reinterpret_cast<const uint8_t *>("[]"), 2, &zones);
    if (r == TILEREDACT_RESULT_OK || zones != nullptr) {
        return 1;
    }
    tileredact_zones_free(zones);
    std::printf("header_cpp: ok (%s, %s)\n", tileredact_version(), buf);
    return 0;
}

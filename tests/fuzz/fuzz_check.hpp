// Invariant checks for the fuzz targets: a parser that returns garbage without crashing is a bug
// too, so each target asserts what its header promises and aborts (a libFuzzer "crash") otherwise.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/util.hpp"

#define FUZZ_CHECK(cond)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)

namespace gatehouse::fuzz {

// Error descriptions go into JSON bodies and HTML pages: they must be UTF-8 and short, whatever the
// input (they may name a parameter, never carry a whole value).
inline bool sane_description(std::string_view d) { return !d.empty() && d.size() <= 512 && util::valid_utf8(d); }

}  // namespace gatehouse::fuzz

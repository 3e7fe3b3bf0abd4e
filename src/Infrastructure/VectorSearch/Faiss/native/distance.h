// distance.h - the distance loop the shim's own search paths share (flat_search.cpp,
// hnsw_search.cpp), and the CPU check that picks their AVX2 builds.
//
// Each search path is compiled twice, once for the x86-64 baseline and once with
// target("avx2"), with this loop inlined into both; the caller chooses once per query.

#pragma once

#include <cstddef>
#include <cstdlib>

namespace cadml {

// Eight independent partial sums: a single running sum is a chain of dependent adds the
// compiler may not reorder (no -ffast-math), about one add per 4 cycles. Eight lanes let it
// use one SIMD register per eight dimensions. The result is what the searches minimise:
// negated inner product, or squared L2 distance.
template <bool kInnerProduct>
__attribute__((always_inline)) inline float distance(const float* a, const float* b, size_t d) noexcept {
    float lanes[8] = {};
    size_t i = 0;
    for (; i + 8 <= d; i += 8) {
        for (size_t l = 0; l < 8; ++l) {
            if constexpr (kInnerProduct) {
                lanes[l] += a[i + l] * b[i + l];
            } else {
                const float diff = a[i + l] - b[i + l];
                lanes[l] += diff * diff;
            }
        }
    }
    float sum = 0;
    for (; i < d; ++i) {
        if constexpr (kInnerProduct) {
            sum += a[i] * b[i];
        } else {
            const float diff = a[i] - b[i];
            sum += diff * diff;
        }
    }
    // A tree, not a chain: three dependent adds instead of eight.
    sum += ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    return kInnerProduct ? -sum : sum;
}

// CPU checks for the builds the search paths choose between, each made once. CADML_FAISS_BASELINE=1
// forces the baseline build, so the self-test can run it on machines that have the extensions
// (CTest runs it both ways). __builtin_cpu_init first: the first call may come from a static
// initialiser, before libgcc's own CPU detection has run.
inline bool cpu_extensions_allowed() noexcept {
    const char* baseline = std::getenv("CADML_FAISS_BASELINE");
    if (baseline != nullptr && baseline[0] == '1') return false;
    __builtin_cpu_init();
    return true;
}

// The AVX2 builds of the flat scan and HNSW walk.
inline bool cpu_has_avx2() noexcept {
    static const bool has =
            cpu_extensions_allowed() && __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
    return has;
}

// The AVX-512 build of the flat batch kernel (flat_search.cpp).
inline bool cpu_has_avx512f() noexcept {
    static const bool has = cpu_extensions_allowed() && __builtin_cpu_supports("avx512f") != 0;
    return has;
}

// The 8-bit screen of flat indexes (flat_screen.cpp): AVX-512 with VNNI byte dot products.
inline bool cpu_has_avx512_vnni() noexcept {
    static const bool has = cpu_extensions_allowed() && __builtin_cpu_supports("avx512f") != 0 &&
                            __builtin_cpu_supports("avx512vnni") != 0;
    return has;
}

}  // namespace cadml

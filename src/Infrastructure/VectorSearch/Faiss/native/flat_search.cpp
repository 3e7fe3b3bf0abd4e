// flat_search.cpp - see flat_search.h for why this exists next to FAISS's own search.

#include "flat_search.h"

#include "distance.h"
#include "flat_heap.h"

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cadml {
namespace {
using namespace flat_heap;

// Reused by every query on the thread: k hits per query, no allocation once warm.
thread_local std::vector<Hit> t_best;
thread_local std::vector<std::vector<Hit>> t_batch_best;

template <bool kInnerProduct>
__attribute__((always_inline)) inline void scan(const faiss::IndexFlat& index, const float* query, int k,
                                                float* distances, int64_t* labels) {
    const float* row = index.get_xb();
    const size_t d = static_cast<size_t>(index.d);
    const auto n = static_cast<int64_t>(index.ntotal);
    const auto wanted = static_cast<size_t>(k);
    std::vector<Hit>& best = t_best;
    best.clear();
    best.reserve(std::min(wanted, static_cast<size_t>(n)));

    for (int64_t position = 0; position < n; ++position, row += d) {
        offer(best, wanted, distance<kInnerProduct>(query, row, d), position);
    }
    finish<kInnerProduct>(best, wanted, distances, labels);
}

// The batch walks the rows in blocks small enough to stay in L1 and runs every query over a
// block before moving on, so each row comes from memory once per batch rather than once per
// query: the single-query scan is bound by reading the rows, this one by the arithmetic.
template <bool kInnerProduct>
__attribute__((always_inline)) inline void scan_batch(const faiss::IndexFlat& index, int64_t nq, const float* queries,
                                                      int k, float* distances, int64_t* labels) {
    const float* rows = index.get_xb();
    const size_t d = static_cast<size_t>(index.d);
    const auto n = static_cast<int64_t>(index.ntotal);
    const auto wanted = static_cast<size_t>(k);
    constexpr size_t kBlockBytes = 16 * 1024;
    const auto block = static_cast<int64_t>(std::max<size_t>(16, kBlockBytes / (d * sizeof(float))));
    auto& heaps = t_batch_best;
    if (heaps.size() < static_cast<size_t>(nq)) heaps.resize(static_cast<size_t>(nq));
    for (int64_t q = 0; q < nq; ++q) {
        heaps[static_cast<size_t>(q)].clear();
        heaps[static_cast<size_t>(q)].reserve(std::min(wanted, static_cast<size_t>(n)));
    }

    for (int64_t start = 0; start < n; start += block) {
        const int64_t end = std::min(n, start + block);
        for (int64_t q = 0; q < nq; ++q) {
            const float* query = queries + static_cast<size_t>(q) * d;
            std::vector<Hit>& best = heaps[static_cast<size_t>(q)];
            const float* row = rows + static_cast<size_t>(start) * d;
            for (int64_t position = start; position < end; ++position, row += d) {
                offer(best, wanted, distance<kInnerProduct>(query, row, d), position);
            }
        }
    }
    for (int64_t q = 0; q < nq; ++q) {
        finish<kInnerProduct>(heaps[static_cast<size_t>(q)], wanted, distances + q * k, labels + q * k);
    }
}

__attribute__((always_inline)) inline void scan_by_metric(const faiss::IndexFlat& index, const float* query, int k,
                                                          float* distances, int64_t* labels) {
    if (index.metric_type == faiss::METRIC_INNER_PRODUCT) {
        scan<true>(index, query, k, distances, labels);
    } else {
        scan<false>(index, query, k, distances, labels);
    }
}

__attribute__((always_inline)) inline void scan_batch_by_metric(const faiss::IndexFlat& index, int64_t nq,
                                                                const float* queries, int k, float* distances,
                                                                int64_t* labels) {
    if (index.metric_type == faiss::METRIC_INNER_PRODUCT) {
        scan_batch<true>(index, nq, queries, k, distances, labels);
    } else {
        scan_batch<false>(index, nq, queries, k, distances, labels);
    }
}

__attribute__((target("avx2"))) void scan_avx2(const faiss::IndexFlat& index, const float* query, int k,
                                               float* distances, int64_t* labels) {
    scan_by_metric(index, query, k, distances, labels);
}

void scan_baseline(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels) {
    scan_by_metric(index, query, k, distances, labels);
}

__attribute__((target("avx2"))) void scan_batch_avx2(const faiss::IndexFlat& index, int64_t nq, const float* queries,
                                                     int k, float* distances, int64_t* labels) {
    scan_batch_by_metric(index, nq, queries, k, distances, labels);
}

void scan_batch_baseline(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                         int64_t* labels) {
    scan_batch_by_metric(index, nq, queries, k, distances, labels);
}


// The batch kernel (flat_lanes.inc), compiled once per instruction set: a region under
// `#pragma GCC target` gives every function in it, lambdas included, that target, which
// per-function attributes cannot do for a template shared by both builds. The functions
// outside (offer, finish, the heaps) are baseline code inlined into both.
thread_local std::vector<float> t_transposed;

#pragma GCC push_options
#pragma GCC target("avx512f")
namespace lanes_avx512 {
struct Lanes {
    static constexpr int kCount = 16;
    using Vec = __m512;
    static inline Vec load(const float* p) { return _mm512_load_ps(p); }
    static inline Vec zero() { return _mm512_setzero_ps(); }
    static inline Vec broadcast(const float* p) { return _mm512_set1_ps(*p); }
    static inline Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
    static inline unsigned above(Vec v, Vec floor) { return static_cast<unsigned>(_mm512_cmp_ps_mask(v, floor, _CMP_GT_OQ)); }
    static inline void store(float* p, Vec v) { _mm512_store_ps(p, v); }
};
#include "flat_lanes.inc"
}  // namespace lanes_avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace lanes_avx2 {
struct Lanes {
    static constexpr int kCount = 8;
    using Vec = __m256;
    static inline Vec load(const float* p) { return _mm256_load_ps(p); }
    static inline Vec zero() { return _mm256_setzero_ps(); }
    static inline Vec broadcast(const float* p) { return _mm256_broadcast_ss(p); }
    static inline Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
    static inline unsigned above(Vec v, Vec floor) {
        return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, floor, _CMP_GT_OQ)));
    }
    static inline void store(float* p, Vec v) { _mm256_store_ps(p, v); }
};
#include "flat_lanes.inc"
}  // namespace lanes_avx2
#pragma GCC pop_options

}  // namespace

void flat_search_one(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels) {
    if (cpu_has_avx2()) {
        scan_avx2(index, query, k, distances, labels);
    } else {
        scan_baseline(index, query, k, distances, labels);
    }
}

void flat_search_batch(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                       int64_t* labels) {
    if (cpu_has_avx2()) {
        scan_batch_avx2(index, nq, queries, k, distances, labels);
    } else {
        scan_batch_baseline(index, nq, queries, k, distances, labels);
    }
}

bool flat_search_lanes(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                       int64_t* labels) {
    if (index.metric_type != faiss::METRIC_INNER_PRODUCT) return false;
    // Eight queries or fewer fill the AVX2 build's 8 lanes; 16 would leave half of them idle.
    if (nq > 8 && cpu_has_avx512f()) {
        lanes_avx512::scan(index, nq, queries, k, distances, labels);
    } else if (cpu_has_avx2()) {
        lanes_avx2::scan(index, nq, queries, k, distances, labels);
    } else {
        return false;
    }
    return true;
}

}  // namespace cadml

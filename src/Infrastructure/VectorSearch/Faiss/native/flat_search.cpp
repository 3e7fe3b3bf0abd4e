// flat_search.cpp - see flat_search.h for why this exists next to FAISS's own search.

#include "flat_search.h"

#include "distance.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <vector>

namespace cadml {
namespace {

struct Hit {
    float distance;
    int64_t position;
};

// Keeps the worst of the k best on top, so one comparison rejects most rows.
struct Worse {
    bool operator()(const Hit& a, const Hit& b) const noexcept { return a.distance < b.distance; }
};

// Reused by every query on the thread: k hits, no allocation per query once warm.
thread_local std::vector<Hit> t_best;

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
        const float measured = distance<kInnerProduct>(query, row, d);
        if (best.size() < wanted) {
            best.push_back({measured, position});
            std::push_heap(best.begin(), best.end(), Worse{});
        } else if (measured < best.front().distance) {
            std::pop_heap(best.begin(), best.end(), Worse{});
            best.back() = {measured, position};
            std::push_heap(best.begin(), best.end(), Worse{});
        }
    }

    std::sort_heap(best.begin(), best.end(), Worse{});
    const float missing = kInnerProduct ? -std::numeric_limits<float>::infinity()
                                        : std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < wanted; ++i) {
        const bool found = i < best.size();
        labels[i] = found ? best[i].position : -1;
        distances[i] = !found ? missing : kInnerProduct ? -best[i].distance : best[i].distance;
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

__attribute__((target("avx2"))) void scan_avx2(const faiss::IndexFlat& index, const float* query, int k,
                                               float* distances, int64_t* labels) {
    scan_by_metric(index, query, k, distances, labels);
}

void scan_baseline(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels) {
    scan_by_metric(index, query, k, distances, labels);
}

}  // namespace

void flat_search_one(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels) {
    if (cpu_has_avx2()) {
        scan_avx2(index, query, k, distances, labels);
    } else {
        scan_baseline(index, query, k, distances, labels);
    }
}

}  // namespace cadml

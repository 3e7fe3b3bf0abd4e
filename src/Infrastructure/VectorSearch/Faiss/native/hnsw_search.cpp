// hnsw_search.cpp - see hnsw_search.h for why this exists next to FAISS's own search.

#include "hnsw_search.h"

#include "distance.h"

#include <faiss/IndexFlat.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <vector>

namespace cadml {
namespace {

struct Node {
    float distance;
    int32_t id;
};

// std heap comparators: `Farther` keeps the farthest result on top (the beam's worst),
// `Closer` keeps the closest candidate on top (the next one to expand).
struct Farther {
    bool operator()(const Node& a, const Node& b) const noexcept { return a.distance < b.distance; }
};
struct Closer {
    bool operator()(const Node& a, const Node& b) const noexcept { return a.distance > b.distance; }
};

// One per thread that ever searches, reused across queries and indexes. A node counts as
// visited when its mark equals the current epoch, so starting a query is one increment
// instead of clearing ntotal entries; the table is only wiped when the epoch wraps. Costs
// 2 bytes per vector per searching thread.
struct Scratch {
    std::vector<uint16_t> marks;
    uint16_t epoch = 0;
    std::vector<Node> candidates;
    std::vector<Node> results;
    std::vector<int32_t> pending;

    void begin(size_t ntotal) {
        if (marks.size() < ntotal) {
            marks.assign(ntotal, 0);
            epoch = 0;
        }
        if (++epoch == 0) {
            std::fill(marks.begin(), marks.end(), uint16_t{0});
            epoch = 1;
        }
        candidates.clear();
        results.clear();
    }

    bool first_visit(int32_t id) noexcept {
        if (marks[id] == epoch) return false;
        marks[id] = epoch;
        return true;
    }
};

thread_local Scratch t_scratch;

// Asks for every cache line the vector touches (two for a 24-d vector, which is 96 bytes
// starting on a 32-byte boundary).
__attribute__((always_inline)) inline void prefetch_vector(const float* v, size_t d) noexcept {
    constexpr size_t kLine = 64;
    const char* first = reinterpret_cast<const char*>(v);
    const char* last = reinterpret_cast<const char*>(v + d) - 1;
    for (const char* p = first; p < last; p += kLine) __builtin_prefetch(p);
    __builtin_prefetch(last);
}

template <bool kInnerProduct>
__attribute__((always_inline)) inline void walk(const faiss::IndexHNSWFlat& index, const float* query, int k,
                                                int ef, float* distances, int64_t* labels) {
    const faiss::HNSW& graph = index.hnsw;
    const float* base = static_cast<const faiss::IndexFlat*>(index.storage)->get_xb();
    const size_t d = static_cast<size_t>(index.d);
    const auto vector_of = [&](int32_t id) { return base + static_cast<size_t>(id) * d; };
    const auto measure = [&](int32_t id) { return distance<kInnerProduct>(query, vector_of(id), d); };

    const float missing = kInnerProduct ? -std::numeric_limits<float>::infinity()
                                        : std::numeric_limits<float>::infinity();
    std::fill(labels, labels + k, int64_t{-1});
    std::fill(distances, distances + k, missing);
    if (index.ntotal == 0 || graph.entry_point < 0) return;

    // Upper layers: greedy descent to the closest node reachable from the entry point.
    int32_t nearest = graph.entry_point;
    float nearest_distance = measure(nearest);
    for (int level = graph.max_level; level > 0; --level) {
        for (bool moved = true; moved;) {
            moved = false;
            size_t begin = 0, end = 0;
            graph.neighbor_range(nearest, level, &begin, &end);
            for (size_t j = begin; j < end && graph.neighbors[j] >= 0; ++j) {
                prefetch_vector(vector_of(graph.neighbors[j]), d);
            }
            for (size_t j = begin; j < end; ++j) {
                const int32_t next = graph.neighbors[j];
                if (next < 0) break;
                const float next_distance = measure(next);
                if (next_distance < nearest_distance) {
                    nearest = next;
                    nearest_distance = next_distance;
                    moved = true;
                }
            }
        }
    }

    // Layer 0: best-first beam of width `ef`.
    Scratch& scratch = t_scratch;
    scratch.begin(static_cast<size_t>(index.ntotal));
    auto& candidates = scratch.candidates;
    auto& results = scratch.results;
    auto& pending = scratch.pending;
    const size_t width = static_cast<size_t>(std::max(ef, k));
    scratch.first_visit(nearest);
    candidates.push_back({nearest_distance, nearest});
    results.push_back({nearest_distance, nearest});

    while (!candidates.empty()) {
        const Node closest = candidates.front();
        if (results.size() >= width && closest.distance > results.front().distance) break;
        std::pop_heap(candidates.begin(), candidates.end(), Closer{});
        candidates.pop_back();
        // The next node to expand is known now; start fetching its link list while this
        // one's neighbours are measured.
        if (!candidates.empty()) {
            size_t next_begin = 0, next_end = 0;
            graph.neighbor_range(candidates.front().id, 0, &next_begin, &next_end);
            __builtin_prefetch(graph.neighbors.data() + next_begin);
            __builtin_prefetch(graph.neighbors.data() + next_end - 1);
        }

        // Fetch every unvisited neighbour's vector at once so the memory round trips
        // overlap, then measure them.
        pending.clear();
        size_t begin = 0, end = 0;
        graph.neighbor_range(closest.id, 0, &begin, &end);
        for (size_t j = begin; j < end; ++j) {
            const int32_t next = graph.neighbors[j];
            if (next < 0) break;
            if (!scratch.first_visit(next)) continue;
            prefetch_vector(vector_of(next), d);
            pending.push_back(next);
        }
        for (const int32_t next : pending) {
            const float next_distance = measure(next);
            if (results.size() < width || next_distance < results.front().distance) {
                candidates.push_back({next_distance, next});
                std::push_heap(candidates.begin(), candidates.end(), Closer{});
                results.push_back({next_distance, next});
                std::push_heap(results.begin(), results.end(), Farther{});
                if (results.size() > width) {
                    std::pop_heap(results.begin(), results.end(), Farther{});
                    results.pop_back();
                }
            }
        }
    }

    std::sort_heap(results.begin(), results.end(), Farther{});
    const size_t found = std::min(results.size(), static_cast<size_t>(k));
    for (size_t i = 0; i < found; ++i) {
        labels[i] = results[i].id;
        distances[i] = kInnerProduct ? -results[i].distance : results[i].distance;
    }
}

__attribute__((always_inline)) inline void walk_by_metric(const faiss::IndexHNSWFlat& index, const float* query, int k,
                                                          int ef, float* distances, int64_t* labels) {
    if (index.metric_type == faiss::METRIC_INNER_PRODUCT) {
        walk<true>(index, query, k, ef, distances, labels);
    } else {
        walk<false>(index, query, k, ef, distances, labels);
    }
}

// The same walk compiled twice (everything above is inlined into each); the caller picks
// once per query. Only the distance loop changes: 8 lanes in one AVX register instead of
// two SSE ones.
__attribute__((target("avx2"))) void walk_avx2(const faiss::IndexHNSWFlat& index, const float* query, int k,
                                               int ef, float* distances, int64_t* labels) {
    walk_by_metric(index, query, k, ef, distances, labels);
}

void walk_baseline(const faiss::IndexHNSWFlat& index, const float* query, int k, int ef, float* distances,
                   int64_t* labels) {
    walk_by_metric(index, query, k, ef, distances, labels);
}

}  // namespace

const char* hnsw_graph_problem(const faiss::IndexHNSWFlat& index) {
    const auto* flat = dynamic_cast<const faiss::IndexFlat*>(index.storage);
    if (flat == nullptr) return "HNSW storage is not a flat index";
    const faiss::HNSW& graph = index.hnsw;
    const auto n = static_cast<size_t>(index.ntotal);
    if (index.ntotal < 0 || flat->ntotal != index.ntotal || flat->d != index.d ||
        flat->codes.size() != n * static_cast<size_t>(index.d) * sizeof(float)) {
        return "HNSW storage does not hold ntotal vectors of the index dimension";
    }
    if (index.ntotal > std::numeric_limits<int32_t>::max()) return "HNSW graph is larger than its id type";
    const auto& cumulative = graph.cum_nneighbor_per_level;
    if (cumulative.empty() || cumulative[0] != 0) return "HNSW neighbour counts per level are malformed";
    for (size_t level = 1; level < cumulative.size(); ++level) {
        if (cumulative[level] < cumulative[level - 1]) return "HNSW neighbour counts per level are malformed";
    }
    if (graph.levels.size() != n || graph.offsets.size() != n + 1 || graph.offsets[0] != 0) {
        return "HNSW level or offset table does not match ntotal";
    }
    int highest = 0;
    for (size_t i = 0; i < n; ++i) {
        const int level = graph.levels[i];  // 1-based: a node on layer 0 only has level 1
        if (level < 1 || static_cast<size_t>(level) >= cumulative.size()) return "HNSW node level out of range";
        if (graph.offsets[i + 1] - graph.offsets[i] != static_cast<size_t>(cumulative[level])) {
            return "HNSW offsets do not match node levels";
        }
        highest = std::max(highest, level);
    }
    if (graph.neighbors.size() != graph.offsets[n]) return "HNSW neighbour table does not match offsets";
    for (const auto id : graph.neighbors) {
        if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) {
            return "HNSW neighbour id out of range";
        }
    }
    if (n == 0) return graph.entry_point == -1 ? nullptr : "HNSW entry point set on an empty graph";
    if (graph.entry_point < 0 || static_cast<size_t>(graph.entry_point) >= n) return "HNSW entry point out of range";
    if (graph.max_level != highest - 1 || graph.levels[graph.entry_point] != highest) {
        return "HNSW entry point is not on the top level";
    }
    return nullptr;
}

void hnsw_search_one(const faiss::IndexHNSWFlat& index, const float* query, int k, int ef, float* distances,
                     int64_t* labels) {
    if (cpu_has_avx2()) {
        walk_avx2(index, query, k, ef, distances, labels);
    } else {
        walk_baseline(index, query, k, ef, distances, labels);
    }
}

}  // namespace cadml

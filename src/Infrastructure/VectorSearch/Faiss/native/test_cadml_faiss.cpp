// Native self-test of libcadml_faiss.so through its C ABI only, exactly as P/Invoke sees it.
// Run by `build/native --test` (CTest). The .NET adapter has its own tests; this one exists
// so a broken shim is caught before any managed code is involved.

#include "cadml_faiss.h"
#include "distance.h"  // the plain loop's own score, for the screen's reference answers

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" int cadml_test_header_is_c(void);

namespace {

constexpr int kDim = 24;
constexpr int kCount = 1000;
constexpr int kK = 5;

int g_checks = 0;
int g_failures = 0;

void check(bool ok, const char* what, const char* file, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        std::fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", file, line, what, cadml_faiss_last_error());
    }
}

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_RC(call, expected) check((call) == (expected), #call " == " #expected, __FILE__, __LINE__)
#define CHECK_OK(call) CHECK_RC(call, CADML_FAISS_OK)

// A failing call must say why, not just return a code.
#define CHECK_FAILS_WITH(call, expected)                                              \
    do {                                                                              \
        CHECK_RC(call, expected);                                                     \
        check(std::strlen(cadml_faiss_last_error()) > 0, "message for " #call, __FILE__, __LINE__); \
    } while (0)

struct Data {
    std::vector<float> vectors;
    std::vector<int64_t> ids;
};

// Unit-length rows, so each stored vector is its own best inner-product match as well as
// its own nearest L2 neighbour. Ids are sparse and offset to prove the id mapping works.
Data make_data(unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Data data;
    data.vectors.resize(static_cast<size_t>(kCount) * kDim);
    for (int i = 0; i < kCount; ++i) {
        float* row = &data.vectors[static_cast<size_t>(i) * kDim];
        double norm = 0;
        for (int j = 0; j < kDim; ++j) {
            row[j] = normal(rng);
            norm += double(row[j]) * row[j];
        }
        for (int j = 0; j < kDim; ++j) row[j] = static_cast<float>(row[j] / std::sqrt(norm));
        data.ids.push_back(1'000'000 + 7 * int64_t{i});
    }
    return data;
}

struct Results {
    std::vector<float> distances;
    std::vector<int64_t> labels;
    bool operator==(const Results& o) const { return distances == o.distances && labels == o.labels; }
};

Results search(void* index, const Data& data, int k = kK) {
    Results r;
    r.distances.resize(static_cast<size_t>(kCount) * k);
    r.labels.resize(static_cast<size_t>(kCount) * k);
    CHECK_OK(cadml_faiss_search(index, kCount, data.vectors.data(), k, r.distances.data(), r.labels.data()));
    return r;
}

int self_matches(const Results& r, const Data& data, int k = kK) {
    int hits = 0;
    for (int i = 0; i < kCount; ++i) hits += r.labels[static_cast<size_t>(i) * k] == data.ids[i];
    return hits;
}

const char* kind_name(int kind) { return kind == 0 ? "flat" : kind == 1 ? "hnsw" : "ivf"; }

void* create(int kind, int metric) {
    void* index = nullptr;
    switch (kind) {
        case CADML_FAISS_KIND_FLAT: CHECK_OK(cadml_faiss_create(kDim, kind, metric, 0, 0, 0, &index)); break;
        case CADML_FAISS_KIND_HNSW: CHECK_OK(cadml_faiss_create(kDim, kind, metric, 16, 64, 64, &index)); break;
        default: CHECK_OK(cadml_faiss_create(kDim, kind, metric, 16, 4, 0, &index)); break;
    }
    return index;
}

void* roundtrip_buffer(void* index) {
    uint8_t* buffer = nullptr;
    size_t length = 0;
    CHECK_OK(cadml_faiss_serialize(index, &buffer, &length));
    CHECK(buffer != nullptr && length > 0);
    void* copy = nullptr;
    CHECK_OK(cadml_faiss_deserialize(buffer, length, &copy));
    CHECK_OK(cadml_faiss_free_buffer(buffer));
    return copy;
}

void* roundtrip_file(void* index) {
    const std::string path = "cadml_faiss_test_" + std::to_string(::getpid()) + ".index";
    CHECK_OK(cadml_faiss_write_file(index, path.c_str()));
    void* copy = nullptr;
    CHECK_OK(cadml_faiss_read_file(path.c_str(), &copy));
    std::remove(path.c_str());
    return copy;
}

void test_kind(int kind, int metric, const Data& data) {
    std::printf("  %s / %s\n", kind_name(kind), metric == CADML_FAISS_METRIC_L2 ? "L2" : "inner product");
    void* index = create(kind, metric);
    if (index == nullptr) return;

    int trained = -1;
    CHECK_OK(cadml_faiss_is_trained(index, &trained));
    if (kind == CADML_FAISS_KIND_IVF) {
        CHECK(trained == 0);
        CHECK_FAILS_WITH(cadml_faiss_add(index, kCount, data.vectors.data(), data.ids.data()), CADML_FAISS_NOT_TRAINED);
        float d;
        int64_t l;
        CHECK_FAILS_WITH(cadml_faiss_search(index, 1, data.vectors.data(), 1, &d, &l), CADML_FAISS_NOT_TRAINED);
        CHECK_FAILS_WITH(cadml_faiss_train(index, 3, data.vectors.data()), CADML_FAISS_ERROR);  // fewer than nlist
    } else {
        CHECK(trained == 1);
    }
    CHECK_OK(cadml_faiss_train(index, kCount, data.vectors.data()));
    CHECK_OK(cadml_faiss_is_trained(index, &trained));
    CHECK(trained == 1);

    CHECK_OK(cadml_faiss_add(index, kCount, data.vectors.data(), data.ids.data()));
    int64_t ntotal = -1;
    int dim = -1;
    CHECK_OK(cadml_faiss_ntotal(index, &ntotal));
    CHECK_OK(cadml_faiss_dim(index, &dim));
    CHECK(ntotal == kCount);
    CHECK(dim == kDim);

    const Results before = search(index, data);
    const int hits = self_matches(before, data);
    // HNSW is approximate by design; at this size with efSearch 64 it should still find
    // (nearly) every stored vector. Flat and IVF must be exact for self-queries.
    if (kind == CADML_FAISS_KIND_HNSW) {
        CHECK(hits >= kCount * 995 / 1000);
    } else {
        CHECK(hits == kCount);
    }
    for (int i = 0; i < kCount; ++i) {
        const float* row = &before.distances[static_cast<size_t>(i) * kK];
        const bool sorted = metric == CADML_FAISS_METRIC_L2 ? std::is_sorted(row, row + kK)
                                                            : std::is_sorted(row, row + kK, std::greater<float>());
        if (!sorted) { CHECK(sorted); break; }
    }
    if (kind == CADML_FAISS_KIND_FLAT) {
        // Metric semantics: self-score is |v|^2 = 1 for inner product, 0 for squared L2.
        const float expected = metric == CADML_FAISS_METRIC_L2 ? 0.0f : 1.0f;
        CHECK(std::fabs(before.distances[0] - expected) < 1e-4f);
        // The shim scans flat storage itself: its answers must be the brute-force answers,
        // worked out here in double precision, for queries that are not stored vectors.
        const Data queries = make_data(43);
        const Results found = search(index, queries);
        int mismatches = 0;
        for (int i = 0; i < 50; ++i) {
            const float* query = &queries.vectors[static_cast<size_t>(i) * kDim];
            std::vector<std::pair<double, int64_t>> all;
            for (int row = 0; row < kCount; ++row) {
                const float* stored = &data.vectors[static_cast<size_t>(row) * kDim];
                double score = 0;
                for (int j = 0; j < kDim; ++j) {
                    score += metric == CADML_FAISS_METRIC_L2 ? (double(query[j]) - stored[j]) * (double(query[j]) - stored[j])
                                                             : double(query[j]) * stored[j];
                }
                all.emplace_back(metric == CADML_FAISS_METRIC_L2 ? score : -score, data.ids[row]);
            }
            std::sort(all.begin(), all.end());
            for (int j = 0; j < kK; ++j) {
                const size_t slot = static_cast<size_t>(i) * kK + j;
                const double want = metric == CADML_FAISS_METRIC_L2 ? all[j].first : -all[j].first;
                mismatches += found.labels[slot] != all[j].second || std::fabs(found.distances[slot] - want) > 1e-5;
            }
        }
        CHECK(mismatches == 0);
    }

    // Serialised copies must answer identically, bit for bit.
    void* from_buffer = roundtrip_buffer(index);
    void* from_file = roundtrip_file(index);
    for (void* copy : {from_buffer, from_file}) {
        if (copy == nullptr) continue;
        CHECK_OK(cadml_faiss_ntotal(copy, &ntotal));
        CHECK(ntotal == kCount);
        CHECK_OK(cadml_faiss_dim(copy, &dim));
        CHECK(dim == kDim);
        CHECK(search(copy, data) == before);
        CHECK_RC(cadml_faiss_supports_remove(copy), cadml_faiss_supports_remove(index));
    }
    CHECK_OK(cadml_faiss_free(from_buffer));
    CHECK_OK(cadml_faiss_free(from_file));

    // Concurrent const searches on one handle must match a serial run.
    {
        std::vector<Results> parallel(2);
        std::vector<std::thread> threads;
        for (auto& slot : parallel) threads.emplace_back([&slot, index, &data] { slot = search(index, data); });
        for (auto& t : threads) t.join();
        for (auto& r : parallel) CHECK(r == before);
    }

    // Tuning knobs only apply to their own kind.
    CHECK_RC(cadml_faiss_set_ef_search(index, 128),
             kind == CADML_FAISS_KIND_HNSW ? CADML_FAISS_OK : CADML_FAISS_NOT_SUPPORTED);
    CHECK_RC(cadml_faiss_set_nprobe(index, 8),
             kind == CADML_FAISS_KIND_IVF ? CADML_FAISS_OK : CADML_FAISS_NOT_SUPPORTED);

    // Remove every 10th id.
    std::vector<int64_t> doomed;
    for (int i = 0; i < kCount; i += 10) doomed.push_back(data.ids[i]);
    int64_t removed = -1;
    if (kind == CADML_FAISS_KIND_HNSW) {
        CHECK_FAILS_WITH(cadml_faiss_supports_remove(index), CADML_FAISS_NOT_SUPPORTED);
        CHECK_FAILS_WITH(cadml_faiss_remove(index, int64_t(doomed.size()), doomed.data(), &removed),
                         CADML_FAISS_NOT_SUPPORTED);
        CHECK(removed == 0);
        CHECK_OK(cadml_faiss_ntotal(index, &ntotal));
        CHECK(ntotal == kCount);
    } else {
        CHECK_OK(cadml_faiss_supports_remove(index));
        CHECK_OK(cadml_faiss_remove(index, int64_t(doomed.size()), doomed.data(), &removed));
        CHECK(removed == int64_t(doomed.size()));
        CHECK_OK(cadml_faiss_ntotal(index, &ntotal));
        CHECK(ntotal == kCount - int64_t(doomed.size()));
        const int64_t unknown = 42;
        CHECK_OK(cadml_faiss_remove(index, 1, &unknown, &removed));
        CHECK(removed == 0);
        // Survivors still map to their own ids: this is what IndexIDMap over IVF would get
        // wrong, because IVF does not renumber after a remove.
        const Results after = search(index, data);
        int survivors_found = 0;
        bool removed_seen = false;
        for (int i = 0; i < kCount; ++i) {
            const int64_t top = after.labels[static_cast<size_t>(i) * kK];
            if (i % 10 != 0) survivors_found += top == data.ids[i];
            for (int j = 0; j < kK; ++j) {
                const int64_t label = after.labels[static_cast<size_t>(i) * kK + j];
                removed_seen |= label >= 0 && (label - 1'000'000) % 70 == 0;
            }
        }
        CHECK(survivors_found == kCount - int(doomed.size()));
        CHECK(!removed_seen);
    }

    // Reset empties the index but keeps IVF training; short result rows are padded with -1.
    CHECK_OK(cadml_faiss_reset(index));
    CHECK_OK(cadml_faiss_ntotal(index, &ntotal));
    CHECK(ntotal == 0);
    CHECK_OK(cadml_faiss_is_trained(index, &trained));
    CHECK(trained == 1);
    CHECK_OK(cadml_faiss_add(index, 3, data.vectors.data(), data.ids.data()));
    // IVF only sees the vectors in probed lists; probe all 16 so all three are reachable.
    if (kind == CADML_FAISS_KIND_IVF) CHECK_OK(cadml_faiss_set_nprobe(index, 16));
    std::vector<float> distances(10);
    std::vector<int64_t> labels(10, 99);
    CHECK_OK(cadml_faiss_search(index, 1, data.vectors.data(), 10, distances.data(), labels.data()));
    CHECK(labels[0] == data.ids[0]);
    CHECK(std::count(labels.begin(), labels.end(), int64_t{-1}) == 7);

    CHECK_OK(cadml_faiss_free(index));
}

void test_errors(const Data& data) {
    std::printf("  errors\n");
    void* index = reinterpret_cast<void*>(0x1);
    CHECK_FAILS_WITH(cadml_faiss_create(0, CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_L2, 0, 0, 0, &index),
                     CADML_FAISS_INVALID_ARGUMENT);
    CHECK(index == nullptr);
    CHECK_FAILS_WITH(cadml_faiss_create(kDim, 7, CADML_FAISS_METRIC_L2, 0, 0, 0, &index), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_create(kDim, CADML_FAISS_KIND_FLAT, 9, 0, 0, 0, &index), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_create(kDim, CADML_FAISS_KIND_HNSW, CADML_FAISS_METRIC_L2, 1, 40, 16, &index),
                     CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_create(kDim, CADML_FAISS_KIND_IVF, CADML_FAISS_METRIC_L2, 0, 1, 0, &index),
                     CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_create(kDim, CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_L2, 0, 0, 0, nullptr),
                     CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_set_omp_threads(0), CADML_FAISS_INVALID_ARGUMENT);

    int64_t ntotal = 0;
    CHECK_FAILS_WITH(cadml_faiss_ntotal(nullptr, &ntotal), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_search(nullptr, 1, data.vectors.data(), 1, nullptr, nullptr),
                     CADML_FAISS_INVALID_ARGUMENT);
    CHECK_OK(cadml_faiss_free(nullptr));
    CHECK_OK(cadml_faiss_free_buffer(nullptr));

    void* flat = create(CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_L2);
    const int64_t negative_id = -1;
    CHECK_FAILS_WITH(cadml_faiss_add(flat, 1, data.vectors.data(), &negative_id), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_add(flat, 1, data.vectors.data(), nullptr), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_add(flat, -5, data.vectors.data(), data.ids.data()), CADML_FAISS_INVALID_ARGUMENT);
    float d;
    int64_t l;
    CHECK_FAILS_WITH(cadml_faiss_search(flat, 1, data.vectors.data(), 0, &d, &l), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_OK(cadml_faiss_add(flat, kCount, data.vectors.data(), data.ids.data()));

    uint8_t* buffer = nullptr;
    size_t length = 0;
    CHECK_OK(cadml_faiss_serialize(flat, &buffer, &length));

    // Garbage, truncated and padded blobs are refused with a message instead of crashing.
    std::vector<uint8_t> garbage(512);
    std::mt19937 rng(7);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    void* loaded = reinterpret_cast<void*>(0x1);
    CHECK_FAILS_WITH(cadml_faiss_deserialize(garbage.data(), garbage.size(), &loaded), CADML_FAISS_ERROR);
    CHECK(loaded == nullptr);
    CHECK_FAILS_WITH(cadml_faiss_deserialize(buffer, length / 2, &loaded), CADML_FAISS_ERROR);
    CHECK_FAILS_WITH(cadml_faiss_deserialize(buffer, 3, &loaded), CADML_FAISS_ERROR);
    CHECK_FAILS_WITH(cadml_faiss_deserialize(buffer, 0, &loaded), CADML_FAISS_INVALID_ARGUMENT);
    std::vector<uint8_t> padded(buffer, buffer + length);
    padded.push_back(0);
    CHECK_FAILS_WITH(cadml_faiss_deserialize(padded.data(), padded.size(), &loaded), CADML_FAISS_ERROR);
    CHECK(loaded == nullptr);
    CHECK_OK(cadml_faiss_free_buffer(buffer));

    // A mismatched dimension is detected by the caller through dim after loading.
    CHECK_OK(cadml_faiss_deserialize(padded.data(), padded.size() - 1, &loaded));
    int dim = 0;
    CHECK_OK(cadml_faiss_dim(loaded, &dim));
    CHECK(dim == kDim);
    CHECK_OK(cadml_faiss_free(loaded));

    CHECK_FAILS_WITH(cadml_faiss_read_file("/nonexistent/cadml.index", &loaded), CADML_FAISS_ERROR);
    CHECK(std::strstr(cadml_faiss_last_error(), "/nonexistent/cadml.index") != nullptr);
    CHECK_FAILS_WITH(cadml_faiss_write_file(flat, "/nonexistent/cadml.index"), CADML_FAISS_ERROR);
    CHECK_OK(cadml_faiss_free(flat));

    // The message is per thread: a fresh thread has none even though this one failed.
    std::string other_thread_error = "unset";
    std::thread([&] { other_thread_error = cadml_faiss_last_error(); }).join();
    CHECK(other_thread_error.empty());
}

// Where the HNSW graph sits inside a serialised IndexIDMap(IndexHNSWFlat), following
// FAISS 1.7.3's write_index: fourcc, index header, then the HNSW vectors, each a size_t
// count followed by its items. Used to tamper with one link and see the load refuse it.
struct GraphLayout {
    size_t offsets = 0;      // first size_t of hnsw.offsets
    size_t neighbors = 0;    // first int32 of hnsw.neighbors
    size_t entry_point = 0;  // the int32 right after neighbors
};

GraphLayout locate_graph(const std::vector<uint8_t>& bytes) {
    constexpr size_t kHeader = 4 + 8 + 8 + 8 + 1 + 4;  // d, ntotal, 2 dummies, is_trained, metric
    GraphLayout layout;
    CHECK(std::memcmp(bytes.data(), "IxMp", 4) == 0);
    size_t at = 4 + kHeader;
    CHECK(std::memcmp(bytes.data() + at, "IHNf", 4) == 0);
    at += 4 + kHeader;
    const auto skip_vector = [&](size_t item_size) {
        uint64_t count = 0;
        std::memcpy(&count, bytes.data() + at, sizeof count);
        at += sizeof count;
        const size_t start = at;
        at += count * item_size;
        CHECK(at < bytes.size());
        return start;
    };
    skip_vector(sizeof(double));  // assign_probas
    skip_vector(sizeof(int));     // cum_nneighbor_per_level
    skip_vector(sizeof(int));     // levels
    layout.offsets = skip_vector(sizeof(uint64_t));
    layout.neighbors = skip_vector(sizeof(int32_t));
    layout.entry_point = at;
    return layout;
}

// HNSW is searched by the shim's own walk over the stored links, so a file whose links
// point outside the index must be refused at load, and the walk must keep FAISS's result
// conventions.
void test_hnsw_graph(const Data& data) {
    std::printf("  hnsw graph\n");
    void* index = create(CADML_FAISS_KIND_HNSW, CADML_FAISS_METRIC_INNER_PRODUCT);
    CHECK_OK(cadml_faiss_add(index, kCount, data.vectors.data(), data.ids.data()));

    // k above efSearch: the beam widens to k, as in FAISS, so all k slots are filled.
    CHECK_OK(cadml_faiss_set_ef_search(index, 8));
    constexpr int kWide = 50;
    std::vector<float> distances(kWide);
    std::vector<int64_t> labels(kWide);
    CHECK_OK(cadml_faiss_search(index, 1, data.vectors.data(), kWide, distances.data(), labels.data()));
    CHECK(labels[0] == data.ids[0]);
    CHECK(std::fabs(distances[0] - 1.0f) < 1e-5f);
    CHECK(std::count(labels.begin(), labels.end(), int64_t{-1}) == 0);
    CHECK(std::is_sorted(distances.begin(), distances.end(), std::greater<float>()));
    std::vector<int64_t> distinct = labels;
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::unique(distinct.begin(), distinct.end()) == distinct.end());

    // The walk's per-thread visited table is reused by a 16-bit epoch and wiped when the
    // epoch wraps. Query, spend a whole epoch cycle on a tiny index on the same thread, and
    // query again: without the wipe the second query would meet the marks of the first at
    // the same epoch, take every node for visited, and stop at the entry point.
    {
        void* small = create(CADML_FAISS_KIND_HNSW, CADML_FAISS_METRIC_INNER_PRODUCT);
        CHECK_OK(cadml_faiss_add(small, 3, data.vectors.data(), data.ids.data()));
        std::vector<float> again(kWide);
        std::vector<int64_t> again_labels(kWide);
        int failed = 0;
        for (int round = 0; round < 65'536 - 1; ++round) {
            failed += cadml_faiss_search(small, 1, data.vectors.data(), 1, again.data(), again_labels.data()) !=
                      CADML_FAISS_OK;
        }
        CHECK(failed == 0);
        CHECK_OK(cadml_faiss_search(index, 1, data.vectors.data(), kWide, again.data(), again_labels.data()));
        CHECK(again_labels == labels && again == distances);
        CHECK_OK(cadml_faiss_free(small));
    }

    uint8_t* buffer = nullptr;
    size_t length = 0;
    CHECK_OK(cadml_faiss_serialize(index, &buffer, &length));
    const std::vector<uint8_t> original(buffer, buffer + length);
    CHECK_OK(cadml_faiss_free_buffer(buffer));
    const GraphLayout layout = locate_graph(original);

    const auto refused = [&](size_t position, const void* value, size_t size, const char* what) {
        std::vector<uint8_t> tampered = original;
        std::memcpy(tampered.data() + position, value, size);
        void* loaded = reinterpret_cast<void*>(0x1);
        CHECK_FAILS_WITH(cadml_faiss_deserialize(tampered.data(), tampered.size(), &loaded),
                         CADML_FAISS_INVALID_ARGUMENT);
        CHECK(loaded == nullptr);
        CHECK(std::strstr(cadml_faiss_last_error(), what) != nullptr);
    };
    const int32_t past_end = kCount + 5;
    const int32_t below_empty = -7;
    refused(layout.neighbors + 3 * sizeof(int32_t), &past_end, sizeof past_end, "neighbour id out of range");
    refused(layout.neighbors, &below_empty, sizeof below_empty, "neighbour id out of range");
    refused(layout.entry_point, &past_end, sizeof past_end, "entry point");
    uint64_t shifted = 0;
    std::memcpy(&shifted, original.data() + layout.offsets + sizeof(uint64_t), sizeof shifted);
    ++shifted;
    refused(layout.offsets + sizeof(uint64_t), &shifted, sizeof shifted, "offsets");

    // The untouched bytes still load, so the checks above refused the tampering itself.
    void* loaded = nullptr;
    CHECK_OK(cadml_faiss_deserialize(original.data(), original.size(), &loaded));
    CHECK_OK(cadml_faiss_free(loaded));
    CHECK_OK(cadml_faiss_free(index));
}

// Flat inner-product search goes through the 8-bit screen on CPUs with AVX-512 VNNI
// (flat_screen.h), which promises the plain loop's answers bit for bit: its hits, their order
// (ties by storage position) and its float scores. The reference here is that loop written out:
// every stored row scored with the shim's own distance function, sorted by (distance, position).
// Queries go in calls of 1, 3 and all at once, which covers the screen's side-by-side widths.
// Under CADML_FAISS_BASELINE=1 the shim runs the plain loop itself, which must match too.
struct Stored {
    std::vector<int64_t> ids;
    std::vector<float> vectors;

    void add(const int64_t* id, const float* vector, int64_t n) {
        ids.insert(ids.end(), id, id + n);
        vectors.insert(vectors.end(), vector, vector + n * kDim);
    }

    void remove(const std::vector<int64_t>& gone) {  // FAISS keeps the order of what stays
        Stored kept;
        for (size_t i = 0; i < ids.size(); ++i) {
            if (std::find(gone.begin(), gone.end(), ids[i]) == gone.end()) kept.add(&ids[i], &vectors[i * kDim], 1);
        }
        *this = kept;
    }

    Results plain_loop(const std::vector<float>& queries, int64_t count, int k) const {
        Results r;
        for (int64_t q = 0; q < count; ++q) {
            std::vector<std::pair<float, size_t>> scored;
            for (size_t row = 0; row < ids.size(); ++row) {
                scored.emplace_back(cadml::distance<true>(&queries[static_cast<size_t>(q) * kDim], &vectors[row * kDim], kDim), row);
            }
            std::sort(scored.begin(), scored.end());
            for (size_t i = 0; i < static_cast<size_t>(k); ++i) {
                const bool found = i < scored.size();
                r.distances.push_back(found ? -scored[i].first : -std::numeric_limits<float>::infinity());
                r.labels.push_back(found ? ids[scored[i].second] : -1);
            }
        }
        return r;
    }
};

Results search_in_calls(void* index, const std::vector<float>& queries, int64_t count, int k, int64_t per_call) {
    Results r;
    r.distances.resize(static_cast<size_t>(count) * k);
    r.labels.resize(static_cast<size_t>(count) * k);
    for (int64_t first = 0; first < count; first += per_call) {
        CHECK_OK(cadml_faiss_search(index, std::min(per_call, count - first), queries.data() + first * kDim, k,
                                    r.distances.data() + first * k, r.labels.data() + first * k));
    }
    return r;
}

bool same_bits(const Results& a, const Results& b) {
    return a.labels == b.labels && a.distances.size() == b.distances.size() &&
           std::memcmp(a.distances.data(), b.distances.data(), a.distances.size() * sizeof(float)) == 0;
}

// Every way of calling gives the plain loop's answers for these queries.
void check_plain_answers(void* index, const Stored& stored, const std::vector<float>& queries, int64_t count, int k) {
    const Results expected = stored.plain_loop(queries, count, k);
    for (int64_t per_call : {int64_t{1}, int64_t{3}, count}) CHECK(same_bits(search_in_calls(index, queries, count, k, per_call), expected));
}

void check_screen_against_plain_loop(const Data& rows) {
    void* index = create(CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_INNER_PRODUCT);
    Stored stored;
    const auto count = static_cast<int64_t>(rows.ids.size());
    const int64_t half = count / 2 + 3;  // the second add starts inside a block of 16 rows
    CHECK_OK(cadml_faiss_add(index, half, rows.vectors.data(), rows.ids.data()));
    CHECK_OK(cadml_faiss_add(index, count - half, rows.vectors.data() + half * kDim, rows.ids.data() + half));
    stored.add(rows.ids.data(), rows.vectors.data(), count);
    constexpr int64_t kQueries = 100;
    for (int k : {1, 10, 64}) check_plain_answers(index, stored, rows.vectors, kQueries, k);
    const std::vector<int64_t> gone(rows.ids.begin() + 10, rows.ids.begin() + 400);
    int64_t removed = 0;
    CHECK_OK(cadml_faiss_remove(index, static_cast<int64_t>(gone.size()), gone.data(), &removed));
    CHECK(removed == static_cast<int64_t>(gone.size()));
    stored.remove(gone);
    check_plain_answers(index, stored, rows.vectors, kQueries, 10);
    // The last row too (a gap in the final, partial block), then the removed rows added back
    // behind the compacted ones.
    CHECK_OK(cadml_faiss_remove(index, 1, &rows.ids.back(), &removed));
    CHECK(removed == 1);
    stored.remove({rows.ids.back()});
    CHECK_OK(cadml_faiss_add(index, static_cast<int64_t>(gone.size()), rows.vectors.data() + 10 * kDim, gone.data()));
    stored.add(gone.data(), rows.vectors.data() + 10 * kDim, static_cast<int64_t>(gone.size()));
    check_plain_answers(index, stored, rows.vectors, kQueries, 10);
    void* loaded = roundtrip_buffer(index);
    check_plain_answers(loaded, stored, rows.vectors, kQueries, 10);
    CHECK_OK(cadml_faiss_free(loaded));
    CHECK_OK(cadml_faiss_reset(index));
    CHECK_OK(cadml_faiss_add(index, 7, rows.vectors.data(), rows.ids.data()));  // k = 10 > 7 rows
    stored = Stored{};
    stored.add(rows.ids.data(), rows.vectors.data(), 7);
    check_plain_answers(index, stored, rows.vectors, 20, 10);
    CHECK_OK(cadml_faiss_free(index));
}

// Where a bound that is too small would show: 20 query directions, each with 200 rows whose
// scores against it are 0.99 + 0.00002 i, added in shuffled order, among 1,000 spread rows. The
// 8-bit scores are off by ~0.001, fifty times the steps, so a screen that trusted them (or a
// bound smaller than their error) would skip rows of the top 10 and return others.
void check_screen_near_ties(const Data& data) {
    constexpr int kQueries = 20;
    constexpr int kShell = 200;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto unit = [&](std::vector<double> v) {
        double norm = 0;
        for (double x : v) norm += x * x;
        for (double& x : v) x /= std::sqrt(norm);
        return v;
    };
    Data shelled = data;
    std::vector<float> queries;
    for (int q = 0; q < kQueries; ++q) {
        std::vector<double> direction(kDim);
        for (double& x : direction) x = normal(rng);
        direction = unit(direction);
        for (double x : direction) queries.push_back(static_cast<float>(x));
        std::vector<int> steps(kShell);
        for (int i = 0; i < kShell; ++i) steps[static_cast<size_t>(i)] = i;
        std::shuffle(steps.begin(), steps.end(), rng);
        for (int i : steps) {
            std::vector<double> side(kDim);  // a unit vector orthogonal to the direction
            for (double& x : side) x = normal(rng);
            double along = 0;
            for (int j = 0; j < kDim; ++j) along += side[j] * direction[j];
            for (int j = 0; j < kDim; ++j) side[j] -= along * direction[j];
            side = unit(side);
            const double score = 0.99 + 0.00002 * i;
            for (int j = 0; j < kDim; ++j) {
                shelled.vectors.push_back(static_cast<float>(score * direction[j] + std::sqrt(1 - score * score) * side[j]));
            }
            shelled.ids.push_back(2'000'000 + q * kShell + i);
        }
    }
    void* index = create(CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_INNER_PRODUCT);
    const auto count = static_cast<int64_t>(shelled.ids.size());
    CHECK_OK(cadml_faiss_add(index, count, shelled.vectors.data(), shelled.ids.data()));
    Stored stored;
    stored.add(shelled.ids.data(), shelled.vectors.data(), count);
    check_plain_answers(index, stored, queries, kQueries, 10);
    const Results screened = search_in_calls(index, queries, kQueries, 10, kQueries);
    for (int q = 0; q < kQueries; ++q) CHECK(screened.labels[static_cast<size_t>(q) * 10] == 2'000'000 + q * kShell + kShell - 1);
    CHECK_OK(cadml_faiss_free(index));
}

void test_flat_screen(const Data& data) {
    std::printf("  flat screen\n");
    // 4 x kCount rows within ~0.01 of one direction: more than 1,024 of them stay candidates for
    // every query, so the screen hands each query to the plain loop.
    Data crowded;
    for (int copy = 0; copy < 4; ++copy) {
        for (int i = 0; i < kCount; ++i) {
            const float* source = &data.vectors[static_cast<size_t>(i) * kDim];
            double norm = 0;
            float row[kDim];
            for (int j = 0; j < kDim; ++j) {
                row[j] = 1.0f + 0.01f * static_cast<float>(copy + 1) * source[j];
                norm += double(row[j]) * row[j];
            }
            for (int j = 0; j < kDim; ++j) crowded.vectors.push_back(static_cast<float>(row[j] / std::sqrt(norm)));
            crowded.ids.push_back(copy * 10'000 + i);
        }
    }
    Data doubled = data;  // each row twice under two ids: every score ties with another
    for (int i = 0; i < kCount; ++i) doubled.ids[static_cast<size_t>(i)] = (i % 2 == 0 ? 5'000'000 : 0) + i / 2;
    for (int i = 1; i < kCount; i += 2) {
        std::copy_n(&doubled.vectors[static_cast<size_t>(i - 1) * kDim], kDim, &doubled.vectors[static_cast<size_t>(i) * kDim]);
    }
    for (const Data* rows : {&data, static_cast<const Data*>(&crowded), static_cast<const Data*>(&doubled)}) {
        check_screen_against_plain_loop(*rows);
    }
    check_screen_near_ties(data);
}

// The batched flat search must give cadml_faiss_search's answers on all of its paths: the lane
// kernel (inner product; 17 and 33 queries cross its groups of 8 or 16 lanes), the per-query scan
// below CADML_FAISS_BATCH_BLAS_FROM and FAISS's BLAS scan from there on (L2, or
// CADML_FAISS_BASELINE=1, under which CTest runs this test a second time).
// Scores may differ in the last bits (another summation order), so a differing label is
// accepted only where the two scores are a near-tie.
void test_flat_batch(const Data& data) {
    std::printf("  flat batch\n");
    constexpr int k = 10;
    for (int metric : {CADML_FAISS_METRIC_INNER_PRODUCT, CADML_FAISS_METRIC_L2}) {
        void* index = create(CADML_FAISS_KIND_FLAT, metric);
        CHECK_OK(cadml_faiss_add(index, kCount, data.vectors.data(), data.ids.data()));
        const Results single = search(index, data, k);
        for (int64_t batch : {int64_t{1}, int64_t{CADML_FAISS_BATCH_LANES_FROM}, int64_t{CADML_FAISS_BATCH_BLAS_FROM - 1},
                              int64_t{CADML_FAISS_BATCH_BLAS_FROM}, int64_t{17}, int64_t{33}, int64_t{kCount}}) {
            std::vector<float> distances(static_cast<size_t>(kCount) * k);
            std::vector<int64_t> labels(static_cast<size_t>(kCount) * k);
            for (int64_t start = 0; start < kCount; start += batch) {
                const int64_t n = std::min<int64_t>(batch, kCount - start);
                CHECK_OK(cadml_faiss_search_flat_batch(index, n, data.vectors.data() + start * kDim, k,
                                                       distances.data() + start * k, labels.data() + start * k));
            }
            int mismatches = 0;
            for (size_t slot = 0; slot < labels.size(); ++slot) {
                const bool near = std::fabs(distances[slot] - single.distances[slot]) <= 1e-5f;
                mismatches += !near || (labels[slot] != single.labels[slot] &&
                                        std::fabs(distances[slot] - (slot % k + 1 < k ? distances[slot + 1] : distances[slot - 1])) > 1e-5f);
            }
            CHECK(mismatches == 0);
            CHECK(self_matches(Results{distances, labels}, data, k) == kCount);
        }
        // Fewer stored vectors than k: the empty slots are -1 on the BLAS path too.
        void* small = create(CADML_FAISS_KIND_FLAT, metric);
        CHECK_OK(cadml_faiss_add(small, 3, data.vectors.data(), data.ids.data()));
        std::vector<float> distances(static_cast<size_t>(CADML_FAISS_BATCH_BLAS_FROM) * k);
        std::vector<int64_t> labels(distances.size());
        CHECK_OK(cadml_faiss_search_flat_batch(small, CADML_FAISS_BATCH_BLAS_FROM, data.vectors.data(), k, distances.data(),
                                               labels.data()));
        CHECK(std::count(labels.begin(), labels.end(), int64_t{-1}) == CADML_FAISS_BATCH_BLAS_FROM * (k - 3));
        CHECK(labels[0] == data.ids[0]);
        CHECK_OK(cadml_faiss_free(small));
        CHECK_OK(cadml_faiss_free(index));
    }

    float d = 0;
    int64_t l = 0;
    void* hnsw = create(CADML_FAISS_KIND_HNSW, CADML_FAISS_METRIC_INNER_PRODUCT);
    CHECK_FAILS_WITH(cadml_faiss_search_flat_batch(hnsw, 1, data.vectors.data(), 1, &d, &l), CADML_FAISS_NOT_SUPPORTED);
    CHECK_OK(cadml_faiss_free(hnsw));
    CHECK_FAILS_WITH(cadml_faiss_search_flat_batch(nullptr, 1, data.vectors.data(), 1, &d, &l), CADML_FAISS_INVALID_ARGUMENT);
    void* flat = create(CADML_FAISS_KIND_FLAT, CADML_FAISS_METRIC_INNER_PRODUCT);
    CHECK_FAILS_WITH(cadml_faiss_search_flat_batch(flat, 1, data.vectors.data(), 0, &d, &l), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_FAILS_WITH(cadml_faiss_search_flat_batch(flat, 1, nullptr, 1, &d, &l), CADML_FAISS_INVALID_ARGUMENT);
    CHECK_OK(cadml_faiss_free(flat));
}

}  // namespace

int main() {
    CHECK_OK(cadml_test_header_is_c());
    const char* version = cadml_faiss_version();
    CHECK(version != nullptr);
    // hnsw_search.cpp walks FAISS 1.7.3's HNSW arrays directly (levels, offsets, neighbors),
    // an internal layout FAISS does not promise to keep; any other version must be looked at
    // (and this pin moved) by a person before the walk is trusted.
    if (std::strstr(version, "(faiss 1.7.3)") == nullptr) {
        std::fprintf(stderr,
                     "cadml_faiss_test: FAILED: built against %s, but the HNSW walk is written for FAISS 1.7.3's "
                     "internal layout; check hnsw_search.cpp against this FAISS before changing the pin\n",
                     version);
        return 1;
    }
    CHECK(std::strstr(version, "; blas /") != nullptr);  // the loader-resolved BLAS is named
    std::printf("%s\n", version);

    // Exercise the multi-threaded paths (HNSW build, IVF training) as well as the default.
    CHECK_OK(cadml_faiss_set_omp_threads(2));
    const Data data = make_data(42);
    for (int kind : {CADML_FAISS_KIND_FLAT, CADML_FAISS_KIND_HNSW, CADML_FAISS_KIND_IVF}) {
        for (int metric : {CADML_FAISS_METRIC_INNER_PRODUCT, CADML_FAISS_METRIC_L2}) test_kind(kind, metric, data);
    }
    CHECK_OK(cadml_faiss_set_omp_threads(1));
    test_errors(data);
    test_hnsw_graph(data);
    test_flat_batch(data);
    test_flat_screen(data);

    std::printf("cadml_faiss_test: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

// cadml_faiss.cpp - implementation of the C ABI declared in cadml_faiss.h.
//
// Every exported function that can reach FAISS or allocate funnels through guarded(), the
// single place where C++ exceptions become status codes; nothing else here needs try/catch.

#include "cadml_faiss.h"
#include "flat_screen.h"
#include "flat_search.h"
#include "hnsw_search.h"

#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <dlfcn.h>
#include <limits.h>
#include <omp.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <utility>

#define CADML_STR2(x) #x
#define CADML_STR(x) CADML_STR2(x)

namespace {

constexpr const char* kVersion = "cadml_faiss 1.0.0 (faiss " CADML_STR(FAISS_VERSION_MAJOR) "." CADML_STR(
        FAISS_VERSION_MINOR) "." CADML_STR(FAISS_VERSION_PATCH) ")";

// The BLAS behind the libblas.so.3 soname is chosen by the host's alternatives at load time,
// and it decides batch-search and IVF-training speed (OpenBLAS is 4-5x faster than the
// reference BLAS) and whether BLAS threads obey the OpenMP budget (OpenBLAS's pthreads
// build does not). The version text names it so a start-up log shows what is really used.
// Built once into a fixed buffer: no allocation, so nothing can throw here.
struct VersionText {
    char value[PATH_MAX + 512];

    VersionText() noexcept {
        char blas_path[PATH_MAX] = "unknown";
        // Copied, not pointed to: openblas_get_config returns a string inside the library,
        // which must not be read after the dlclose below.
        char blas_config[256] = "not OpenBLAS";
        // RTLD_NOLOAD: only inspect the copy FAISS already pulled in. dlsym on this handle
        // also searches its dependencies, which is where OpenBLAS's own symbols live.
        if (void* blas = ::dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD)) {
            Dl_info info{};
            void* sgemm = ::dlsym(blas, "sgemm_");
            char resolved[PATH_MAX];
            if (sgemm != nullptr && ::dladdr(sgemm, &info) != 0 && info.dli_fname != nullptr) {
                const char* path = ::realpath(info.dli_fname, resolved) ? resolved : info.dli_fname;
                std::snprintf(blas_path, sizeof blas_path, "%s", path);
            }
            using GetConfig = char* (*)();
            if (auto get_config = reinterpret_cast<GetConfig>(::dlsym(blas, "openblas_get_config"))) {
                if (const char* config = get_config()) std::snprintf(blas_config, sizeof blas_config, "%s", config);
            }
            ::dlclose(blas);
        }
        std::snprintf(value, sizeof value, "%s; blas %s (%s)", kVersion, blas_path, blas_config);
    }
};

// FAISS hands flat searches of at least this many queries to BLAS (sgemm), process-wide; its
// default is 20. Measured on 20k stored rows with OpenBLAS at one thread, sgemm is already
// faster per query than the blocked loop from 4 queries (24-d: 51 against 65 us; 73-d: 117
// against about 180 us), so the batched search crosses over there. Nothing else in the shim
// sends FAISS's flat search fewer than 20 queries except IVF's coarse assignment, which gains
// the same way.
struct BlasThreshold {
    BlasThreshold() noexcept { faiss::distance_compute_blas_threshold = CADML_FAISS_BATCH_BLAS_FROM; }
};
const BlasThreshold g_blas_threshold;

// ---------------------------------------------------------------------------------------
// Error reporting

thread_local std::string t_last_error;
// Set when even recording the message failed, so last_error never lies with a stale text.
thread_local bool t_last_error_lost = false;

int fail(int status, const char* message) noexcept {
    try {
        t_last_error.assign(message);
        t_last_error_lost = false;
    } catch (...) {
        t_last_error_lost = true;
    }
    return status;
}

int fail(int status, const std::string& message) noexcept { return fail(status, message.c_str()); }

// ---------------------------------------------------------------------------------------
// OpenMP thread budget

std::atomic<int> g_omp_threads{1};
// Per-thread cache: omp_set_num_threads only changes the calling thread's ICV, so each
// thread that enters the shim must apply the process-wide value itself, but only once.
thread_local int t_applied_omp_threads = 0;

void apply_omp_threads() noexcept {
    const int wanted = g_omp_threads.load(std::memory_order_relaxed);
    if (wanted != t_applied_omp_threads) {
        omp_set_num_threads(wanted);
        t_applied_omp_threads = wanted;
    }
}

template <typename Body>
int guarded(Body&& body) noexcept {
    try {
        apply_omp_threads();
        return body();
    } catch (const faiss::FaissException& e) {
        return fail(CADML_FAISS_ERROR, e.what());
    } catch (const std::bad_alloc&) {
        return fail(CADML_FAISS_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(CADML_FAISS_ERROR, e.what());
    } catch (...) {
        return fail(CADML_FAISS_ERROR, "unknown C++ exception");
    }
}

// ---------------------------------------------------------------------------------------
// Handle

enum class Kind { Flat, Hnsw, Ivf };

// What the opaque void* points to. `root` is exactly what gets serialised; `flat`, `hnsw`
// and `ivf` are non-owning views into it for searches and runtime knobs, resolved once.
struct Handle {
    std::unique_ptr<faiss::Index> root;
    Kind kind = Kind::Flat;
    faiss::IndexFlat* flat = nullptr;
    faiss::IndexHNSWFlat* hnsw = nullptr;
    faiss::IndexIVF* ivf = nullptr;
    // Flat only: the 8-bit copy single-query searches read (flat_screen.h), kept in step with
    // every call that changes the rows.
    cadml::FlatScreen screen;
};

// Accepts only the layouts cadml_faiss_create builds, so a foreign or tampered FAISS file
// cannot smuggle in an index whose remove/tuning semantics the caller does not expect.
// Takes ownership of `index` whatever the outcome.
int adopt(std::unique_ptr<faiss::Index> index, void** out) {
    if (index->metric_type != faiss::METRIC_INNER_PRODUCT && index->metric_type != faiss::METRIC_L2) {
        return fail(CADML_FAISS_INVALID_ARGUMENT, "index uses a metric other than inner product or L2");
    }
    auto handle = std::make_unique<Handle>();
    if (auto* ivf = dynamic_cast<faiss::IndexIVFFlat*>(index.get())) {
        handle->kind = Kind::Ivf;
        handle->ivf = ivf;
    } else if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index.get())) {
        if (map->index == nullptr || map->index->ntotal != map->ntotal ||
            map->id_map.size() != static_cast<size_t>(map->ntotal)) {
            return fail(CADML_FAISS_INVALID_ARGUMENT, "id map does not match the vectors it maps");
        }
        if (auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(map->index)) {
            // The search walk follows these links directly, so a file must prove them sound.
            if (const char* problem = cadml::hnsw_graph_problem(*hnsw)) {
                return fail(CADML_FAISS_INVALID_ARGUMENT, problem);
            }
            handle->kind = Kind::Hnsw;
            handle->hnsw = hnsw;
        } else if (auto* flat = dynamic_cast<faiss::IndexFlat*>(map->index)) {
            if (flat->codes.size() != static_cast<size_t>(flat->ntotal) * static_cast<size_t>(flat->d) * sizeof(float)) {
                return fail(CADML_FAISS_INVALID_ARGUMENT, "flat storage does not hold ntotal vectors of the index dimension");
            }
            handle->kind = Kind::Flat;
            handle->flat = flat;
            handle->screen.rebuild(*flat);
        } else {
            return fail(CADML_FAISS_INVALID_ARGUMENT, "IndexIDMap wraps an index kind this shim does not manage");
        }
    } else {
        return fail(CADML_FAISS_INVALID_ARGUMENT,
                    "not a CadMl index (expected IndexIDMap over flat/HNSW, or IndexIVFFlat)");
    }
    handle->root = std::move(index);
    *out = handle.release();
    return CADML_FAISS_OK;
}

Handle* as_handle(void* idx) noexcept { return static_cast<Handle*>(idx); }

#define CADML_REQUIRE(cond, message)                                 \
    do {                                                             \
        if (!(cond)) return fail(CADML_FAISS_INVALID_ARGUMENT, message); \
    } while (0)

#define CADML_REQUIRE_HANDLE(idx) CADML_REQUIRE((idx) != nullptr, "index handle is null")

bool all_ids_valid(int64_t n, const int64_t* ids) noexcept {
    for (int64_t i = 0; i < n; ++i) {
        if (ids[i] < 0) return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// Serialisation sinks/sources. FAISS's VectorIOWriter/VectorIOReader would cost a full
// extra copy of the index (vector -> malloc buffer for .NET, and .NET bytes -> vector on
// load); these write straight into the buffer handed out and read straight from the
// caller's memory.

struct MallocWriter final : faiss::IOWriter {
    uint8_t* data = nullptr;
    size_t size = 0;
    size_t capacity = 0;

    MallocWriter() { name = "memory buffer"; }
    MallocWriter(const MallocWriter&) = delete;
    MallocWriter& operator=(const MallocWriter&) = delete;
    ~MallocWriter() override { std::free(data); }

    size_t operator()(const void* ptr, size_t item_size, size_t nitems) override {
        size_t bytes = 0;
        if (__builtin_mul_overflow(item_size, nitems, &bytes)) throw std::bad_alloc();
        if (bytes == 0) return nitems;
        if (bytes > capacity - size) grow(bytes);
        std::memcpy(data + size, ptr, bytes);
        size += bytes;
        return nitems;
    }

    uint8_t* release() noexcept { return std::exchange(data, nullptr); }

private:
    // Geometric growth keeps serialisation O(size); glibc realloc of large blocks is an
    // mremap, so growing does not copy either.
    void grow(size_t bytes) {
        size_t wanted = 0;
        if (__builtin_add_overflow(size, bytes, &wanted)) throw std::bad_alloc();
        size_t next = capacity < 4096 ? 4096 : capacity;
        while (next < wanted) next = next > SIZE_MAX / 2 ? wanted : next * 2;
        void* grown = std::realloc(data, next);
        if (grown == nullptr) throw std::bad_alloc();
        data = static_cast<uint8_t*>(grown);
        capacity = next;
    }
};

struct SpanReader final : faiss::IOReader {
    const uint8_t* data;
    size_t size;
    size_t position = 0;

    SpanReader(const uint8_t* d, size_t n) : data(d), size(n) { name = "memory buffer"; }

    // Same contract as faiss::VectorIOReader: short reads return fewer items, which FAISS
    // reports as a truncated stream.
    size_t operator()(void* ptr, size_t item_size, size_t nitems) override {
        if (item_size == 0 || position >= size) return 0;
        const size_t available = (size - position) / item_size;
        if (available < nitems) nitems = available;
        // FAISS reads empty vectors through their null data(); memcpy(nullptr, .., 0) is UB.
        if (nitems == 0) return 0;
        std::memcpy(ptr, data + position, item_size * nitems);
        position += item_size * nitems;
        return nitems;
    }
};

struct FileCloser {
    void operator()(FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// std::error_code instead of strerror: the latter may use a shared static buffer.
std::string os_error(const char* what, const char* path, int error) {
    return std::string(what) + " '" + path + "': " + std::error_code(error, std::generic_category()).message();
}

}  // namespace

// =======================================================================================
// Exported API

extern "C" {

const char* cadml_faiss_last_error(void) noexcept {
    if (t_last_error_lost) return "error message lost: out of memory while recording it";
    return t_last_error.c_str();
}

const char* cadml_faiss_version(void) noexcept {
    static const VersionText text;
    return text.value;
}

int cadml_faiss_set_omp_threads(int n) noexcept {
    if (n < 1) return fail(CADML_FAISS_INVALID_ARGUMENT, "OpenMP thread count must be >= 1");
    g_omp_threads.store(n, std::memory_order_relaxed);
    return CADML_FAISS_OK;
}

int cadml_faiss_create(int dim, int kind, int metric, int p1, int p2, int p3, void** out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = nullptr;
        CADML_REQUIRE(dim >= 1, "dim must be >= 1");
        CADML_REQUIRE(metric == CADML_FAISS_METRIC_INNER_PRODUCT || metric == CADML_FAISS_METRIC_L2,
                      "metric must be 0 (inner product) or 1 (L2)");
        const faiss::MetricType faiss_metric =
                metric == CADML_FAISS_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;

        std::unique_ptr<faiss::Index> root;
        switch (kind) {
            case CADML_FAISS_KIND_FLAT: {
                auto flat = std::make_unique<faiss::IndexFlat>(dim, faiss_metric);
                auto map = std::make_unique<faiss::IndexIDMap>(flat.get());
                map->own_fields = true;
                flat.release();
                root = std::move(map);
                break;
            }
            case CADML_FAISS_KIND_HNSW: {
                // M = 1 makes FAISS's level multiplier 1/ln(1) infinite.
                CADML_REQUIRE(p1 >= 2, "HNSW M (p1) must be >= 2");
                CADML_REQUIRE(p2 >= 1, "HNSW efConstruction (p2) must be >= 1");
                CADML_REQUIRE(p3 >= 1, "HNSW efSearch (p3) must be >= 1");
                auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dim, p1, faiss_metric);
                hnsw->hnsw.efConstruction = p2;
                hnsw->hnsw.efSearch = p3;
                auto map = std::make_unique<faiss::IndexIDMap>(hnsw.get());
                map->own_fields = true;
                hnsw.release();
                root = std::move(map);
                break;
            }
            case CADML_FAISS_KIND_IVF: {
                CADML_REQUIRE(p1 >= 1, "IVF nlist (p1) must be >= 1");
                CADML_REQUIRE(p2 >= 1, "IVF nprobe (p2) must be >= 1");
                auto quantizer = std::make_unique<faiss::IndexFlat>(dim, faiss_metric);
                auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), dim, p1, faiss_metric);
                ivf->own_fields = true;
                quantizer.release();
                ivf->nprobe = p2;
                root = std::move(ivf);
                break;
            }
            default:
                return fail(CADML_FAISS_INVALID_ARGUMENT, "kind must be 0 (flat), 1 (HNSW) or 2 (IVF)");
        }
        return adopt(std::move(root), out);
    });
}

int cadml_faiss_free(void* idx) noexcept {
    // Destructors of FAISS indexes do not throw; guarded() is belt and braces.
    return guarded([&]() -> int {
        delete as_handle(idx);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_is_trained(void* idx, int* out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = as_handle(idx)->root->is_trained ? 1 : 0;
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_train(void* idx, int64_t n, const float* x) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(n >= 0, "n must be >= 0");
        CADML_REQUIRE(n == 0 || x != nullptr, "x is null");
        Handle* h = as_handle(idx);
        // Flat and HNSW storage have nothing to learn.
        if (h->kind != Kind::Ivf) return CADML_FAISS_OK;
        h->root->train(n, x);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_add(void* idx, int64_t n, const float* x, const int64_t* ids) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(n >= 0, "n must be >= 0");
        if (n == 0) return CADML_FAISS_OK;
        CADML_REQUIRE(x != nullptr, "x is null");
        CADML_REQUIRE(ids != nullptr, "ids is null");
        CADML_REQUIRE(all_ids_valid(n, ids), "ids must be >= 0 (-1 marks empty search slots)");
        Handle* h = as_handle(idx);
        if (!h->root->is_trained) return fail(CADML_FAISS_NOT_TRAINED, "IVF index must be trained before add");
        h->root->add_with_ids(n, x, ids);
        if (h->flat != nullptr) h->screen.append(*h->flat);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_supports_remove(void* idx) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        if (as_handle(idx)->kind == Kind::Hnsw) {
            return fail(CADML_FAISS_NOT_SUPPORTED, "HNSW indexes cannot remove vectors");
        }
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_remove(void* idx, int64_t n, const int64_t* ids, int64_t* removed_out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(n >= 0, "n must be >= 0");
        CADML_REQUIRE(n == 0 || ids != nullptr, "ids is null");
        if (removed_out != nullptr) *removed_out = 0;
        Handle* h = as_handle(idx);
        if (h->kind == Kind::Hnsw) return fail(CADML_FAISS_NOT_SUPPORTED, "HNSW indexes cannot remove vectors");
        if (n == 0) return CADML_FAISS_OK;
        const faiss::IDSelectorBatch selector(n, ids);
        // The rows FAISS is about to drop, found as the id map finds them, so the screen can
        // close the same gaps instead of quantising every row again.
        std::vector<bool> dropped;
        if (h->flat != nullptr) {
            const auto& map = static_cast<const faiss::IndexIDMap*>(h->root.get())->id_map;
            dropped.resize(map.size());
            for (size_t row = 0; row < map.size(); ++row) dropped[row] = selector.is_member(map[row]);
        }
        const size_t removed = h->root->remove_ids(selector);
        if (h->flat != nullptr) h->screen.remove(dropped);
        if (removed_out != nullptr) *removed_out = static_cast<int64_t>(removed);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_search(void* idx, int64_t n, const float* q, int k, float* distances,
                       int64_t* labels) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(n >= 0, "n must be >= 0");
        CADML_REQUIRE(k >= 1, "k must be >= 1");
        if (n == 0) return CADML_FAISS_OK;
        CADML_REQUIRE(q != nullptr && distances != nullptr && labels != nullptr,
                      "q, distances and labels must not be null");
        Handle* h = as_handle(idx);
        if (!h->root->is_trained) return fail(CADML_FAISS_NOT_TRAINED, "IVF index must be trained before search");
        if (h->kind != Kind::Ivf) {
            // The shim's own single-query loops over FAISS's storage (flat_search.h and
            // hnsw_search.h say why), then the id map.
            const auto& ids = static_cast<const faiss::IndexIDMap*>(h->root.get())->id_map;
            const int64_t d = h->root->d;
            if (h->flat != nullptr && h->screen.serves(*h->flat)) {
                h->screen.search(*h->flat, n, q, k, distances, labels);
            } else {
                for (int64_t i = 0; i < n; ++i) {
                    if (h->hnsw != nullptr) {
                        cadml::hnsw_search_one(*h->hnsw, q + i * d, k, h->hnsw->hnsw.efSearch, distances + i * k, labels + i * k);
                    } else {
                        cadml::flat_search_one(*h->flat, q + i * d, k, distances + i * k, labels + i * k);
                    }
                }
            }
            for (int64_t slot = 0; slot < n * k; ++slot) {
                if (labels[slot] >= 0) labels[slot] = ids[static_cast<size_t>(labels[slot])];
            }
            return CADML_FAISS_OK;
        }
        h->root->search(n, q, k, distances, labels);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_search_flat_batch(void* idx, int64_t n, const float* q, int k, float* distances,
                                  int64_t* labels) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(n >= 0, "n must be >= 0");
        CADML_REQUIRE(k >= 1, "k must be >= 1");
        Handle* h = as_handle(idx);
        if (h->kind != Kind::Flat) return fail(CADML_FAISS_NOT_SUPPORTED, "batched search is for FLAT indexes");
        if (n == 0) return CADML_FAISS_OK;
        CADML_REQUIRE(q != nullptr && distances != nullptr && labels != nullptr,
                      "q, distances and labels must not be null");
        if (n <= CADML_FAISS_BATCH_SCREEN_UP_TO && h->screen.serves(*h->flat)) {
            // Inner product on AVX-512 VNNI: one pass over the 8-bit screen for all queries.
            h->screen.search(*h->flat, n, q, k, distances, labels);
        } else if (n >= CADML_FAISS_BATCH_LANES_FROM && cadml::flat_search_lanes(*h->flat, n, q, k, distances, labels)) {
            // Inner product on AVX2/AVX-512: the shim's own batch kernel (flat_lanes.inc).
        } else if (n < CADML_FAISS_BATCH_BLAS_FROM) {
            // Below FAISS's BLAS threshold its scan is the slow row loop flat_search.h avoids.
            cadml::flat_search_batch(*h->flat, n, q, k, distances, labels);
        } else {
            // The sub-index, not the id map: the map's search would allocate a second result array.
            h->flat->search(n, q, k, distances, labels);
        }
        const auto& ids = static_cast<const faiss::IndexIDMap*>(h->root.get())->id_map;
        for (int64_t slot = 0; slot < n * k; ++slot) {
            if (labels[slot] >= 0) labels[slot] = ids[static_cast<size_t>(labels[slot])];
        }
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_reset(void* idx) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        Handle* h = as_handle(idx);
        h->root->reset();
        if (h->flat != nullptr) h->screen.rebuild(*h->flat);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_ntotal(void* idx, int64_t* out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = as_handle(idx)->root->ntotal;
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_dim(void* idx, int* out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = as_handle(idx)->root->d;
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_set_ef_search(void* idx, int ef_search) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(ef_search >= 1, "efSearch must be >= 1");
        Handle* h = as_handle(idx);
        if (h->hnsw == nullptr) return fail(CADML_FAISS_NOT_SUPPORTED, "efSearch applies to HNSW indexes only");
        h->hnsw->hnsw.efSearch = ef_search;
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_set_nprobe(void* idx, int nprobe) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(nprobe >= 1, "nprobe must be >= 1");
        Handle* h = as_handle(idx);
        if (h->ivf == nullptr) return fail(CADML_FAISS_NOT_SUPPORTED, "nprobe applies to IVF indexes only");
        h->ivf->nprobe = static_cast<size_t>(nprobe);
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_serialize(void* idx, uint8_t** buf, size_t* len) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(buf != nullptr && len != nullptr, "buf and len must not be null");
        *buf = nullptr;
        *len = 0;
        MallocWriter writer;
        faiss::write_index(as_handle(idx)->root.get(), &writer);
        *len = writer.size;
        *buf = writer.release();
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_free_buffer(uint8_t* buf) noexcept {
    std::free(buf);
    return CADML_FAISS_OK;
}

int cadml_faiss_deserialize(const uint8_t* buf, size_t len, void** out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = nullptr;
        CADML_REQUIRE(buf != nullptr && len > 0, "buffer is null or empty");
        SpanReader reader(buf, len);
        std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
        // A valid index followed by more bytes means the blob is not what was written.
        if (reader.position != len) {
            return fail(CADML_FAISS_ERROR, "buffer has " + std::to_string(len - reader.position) +
                                                   " trailing bytes after the index");
        }
        return adopt(std::move(index), out);
    });
}

int cadml_faiss_write_file(void* idx, const char* path) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE_HANDLE(idx);
        CADML_REQUIRE(path != nullptr && *path != '\0', "path is null or empty");
        // FAISS's own path overload ignores fclose errors (a full disk can surface only
        // there) and never fsyncs; owning the FILE* lets us check both, so the caller's
        // temp-file + rename is crash-safe.
        File file(std::fopen(path, "wb"));
        if (!file) return fail(CADML_FAISS_ERROR, os_error("cannot open for writing", path, errno));
        try {
            faiss::write_index(as_handle(idx)->root.get(), file.get());
        } catch (...) {
            file.reset();
            std::remove(path);
            throw;
        }
        int error = 0;
        if (std::fflush(file.get()) != 0 || ::fsync(::fileno(file.get())) != 0) error = errno;
        if (std::fclose(file.release()) != 0 && error == 0) error = errno;
        if (error != 0) {
            std::remove(path);
            return fail(CADML_FAISS_ERROR, os_error("cannot write", path, error));
        }
        return CADML_FAISS_OK;
    });
}

int cadml_faiss_read_file(const char* path, void** out) noexcept {
    return guarded([&]() -> int {
        CADML_REQUIRE(out != nullptr, "out is null");
        *out = nullptr;
        CADML_REQUIRE(path != nullptr && *path != '\0', "path is null or empty");
        File file(std::fopen(path, "rb"));
        if (!file) return fail(CADML_FAISS_ERROR, os_error("cannot open for reading", path, errno));
        std::unique_ptr<faiss::Index> index(faiss::read_index(file.get()));
        if (std::fgetc(file.get()) != EOF) {
            return fail(CADML_FAISS_ERROR, std::string("file '") + path + "' has trailing bytes after the index");
        }
        return adopt(std::move(index), out);
    });
}

}  // extern "C"

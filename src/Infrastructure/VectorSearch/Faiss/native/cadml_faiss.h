/*
 * cadml_faiss.h - CadMl's C ABI over the FAISS C++ API (Debian libfaiss-dev 1.7.3).
 *
 * Why a shim of our own: Debian ships FAISS only as a static C++ library with no C API and
 * no shared object, and .NET can only P/Invoke plain C symbols. This library links the
 * static libfaiss.a and exports nothing but the functions below.
 *
 * Conventions
 *  - Every function returns an int status (CADML_FAISS_OK = 0); results come back through
 *    out-parameters. The only exceptions are cadml_faiss_last_error and cadml_faiss_version,
 *    which return strings.
 *  - No C++ exception ever crosses this boundary: each entry point catches everything
 *    (faiss::FaissException, std::bad_alloc, anything else) and turns it into a status.
 *  - After a non-zero status, cadml_faiss_last_error() on the SAME thread describes it. The
 *    text stays valid until the next failing call on that thread; a successful call leaves
 *    it untouched (errno-style), so read it only right after a failure.
 *  - Handles are opaque. A handle owns its whole FAISS index (including the IVF quantizer)
 *    and is released only by cadml_faiss_free.
 *  - Ids are caller-chosen int64 values >= 0. -1 is FAISS's "empty slot" label in search
 *    results, so negative ids are refused. FAISS does not check uniqueness: adding an id
 *    that is already present stores a second copy, so an upsert is remove + add.
 *
 * Thread safety (the .NET adapter enforces this with a reader/writer lock)
 *  - Read-only calls on one handle may run concurrently: search, ntotal, dim, is_trained,
 *    supports_remove, serialize, write_file. FAISS's const search path keeps no shared
 *    mutable state.
 *  - Mutating calls need exclusive access to the handle: train, add, remove, reset,
 *    set_ef_search, set_nprobe, free. (efSearch/nprobe are plain fields read by search.)
 *  - Different handles are independent. FAISS bumps global statistics counters
 *    (hnsw_stats, indexIVF_stats) during search without synchronisation; that race is
 *    benign (counters only) and this shim never reads them.
 *  - FAISS gives no rollback guarantee: after a failed train/add/remove/reset the handle
 *    may be partially modified, so the caller should discard it and rebuild from the
 *    durable store (the index is derived data anyway).
 *  - cadml_faiss_set_omp_threads is process-wide and safe from any thread at any time.
 *
 * Index kinds
 *  - FLAT and HNSW are wrapped in faiss::IndexIDMap, which translates FAISS's sequential
 *    positions to the caller's ids. IndexIDMap (not IndexIDMap2) because the durable store
 *    keeps the vectors, so the reverse map that IDMap2 adds for reconstruct() would only
 *    cost memory and an O(n) rehash on every remove.
 *  - IVF is NOT wrapped: IndexIVFFlat stores caller ids in its inverted lists natively, and
 *    IndexIDMap's remove_ids assumes the sub-index renumbers survivors compactly (true for
 *    IndexFlat, false for IVF), so IDMap over IVF would return wrong ids after a remove.
 *  - HNSW cannot delete (FAISS limitation): remove and supports_remove return
 *    CADML_FAISS_NOT_SUPPORTED and the caller tombstones and rebuilds instead.
 *  - FLAT and HNSW are built and stored by FAISS but searched by the shim's own loops over
 *    the same storage (flat_search.h, hnsw_search.h), two to three times faster per query.
 *    The HNSW walk keeps a visited table per searching thread: 2 bytes per vector, per
 *    thread, for the thread's life. Because it follows the stored links, deserialize checks
 *    every link first. IVF searches are FAISS's own.
 */
#ifndef CADML_FAISS_H
#define CADML_FAISS_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CADML_FAISS_API __declspec(dllexport)
#else
#define CADML_FAISS_API __attribute__((visibility("default")))
#endif

/* Lets the C++ definitions promise the compiler (and readers) that nothing escapes. */
#ifdef __cplusplus
#define CADML_FAISS_NOEXCEPT noexcept
extern "C" {
#else
#define CADML_FAISS_NOEXCEPT
#endif

/* Status codes. Stable: the .NET adapter maps them one to one. */
#define CADML_FAISS_OK 0
#define CADML_FAISS_ERROR 1            /* FAISS refused or failed (message has its reason)  */
#define CADML_FAISS_NOT_SUPPORTED 2    /* the index kind cannot do this (HNSW remove, ...)  */
#define CADML_FAISS_INVALID_ARGUMENT 3 /* null pointer, negative count, bad id, bad kind   */
#define CADML_FAISS_OUT_OF_MEMORY 4    /* std::bad_alloc                                   */
#define CADML_FAISS_NOT_TRAINED 5      /* IVF used before cadml_faiss_train                */

/* Index kinds (the `kind` argument of cadml_faiss_create). */
#define CADML_FAISS_KIND_FLAT 0 /* exact; p1..p3 ignored                                */
#define CADML_FAISS_KIND_HNSW 1 /* p1 = M, p2 = efConstruction, p3 = efSearch            */
#define CADML_FAISS_KIND_IVF 2  /* p1 = nlist, p2 = nprobe, p3 ignored; needs training   */

/* Metrics. Cosine similarity = inner product over L2-normalised vectors (done in .NET). */
#define CADML_FAISS_METRIC_INNER_PRODUCT 0
#define CADML_FAISS_METRIC_L2 1

/* Message of the last failure on the calling thread ("" if none yet). Never NULL. */
CADML_FAISS_API const char* cadml_faiss_last_error(void) CADML_FAISS_NOEXCEPT;

/* Static string naming the shim, the FAISS version it was built against and the BLAS the
 * loader actually resolved (worth logging at start-up: it changes batch/IVF speed 4-5x). */
CADML_FAISS_API const char* cadml_faiss_version(void) CADML_FAISS_NOEXCEPT;

/* Number of OpenMP threads every later call may use, process-wide (default 1).
 * Why default 1: the service answers single queries from many request threads on a
 * 2-core machine; an OpenMP team per call would oversubscribe the cores and libgomp's
 * spin-waiting burns CPU that concurrent requests need. Raise it for bulk work such as a
 * background HNSW rebuild or IVF training. The value is applied at the start of every call,
 * on the calling thread, because omp_set_num_threads only affects the thread that calls it
 * (and OMP_NUM_THREADS set from .NET never reaches the native environment). n must be >= 1. */
CADML_FAISS_API int cadml_faiss_set_omp_threads(int n) CADML_FAISS_NOEXCEPT;

/* Creates an empty index. dim >= 1; see the KIND and METRIC constants for p1..p3. */
CADML_FAISS_API int cadml_faiss_create(int dim, int kind, int metric, int p1, int p2, int p3,
                                       void** out) CADML_FAISS_NOEXCEPT;

/* Releases the handle and everything it owns. NULL is a no-op. */
CADML_FAISS_API int cadml_faiss_free(void* idx) CADML_FAISS_NOEXCEPT;

/* *out = 1 when the index can accept vectors (always for FLAT/HNSW; IVF after train). */
CADML_FAISS_API int cadml_faiss_is_trained(void* idx, int* out) CADML_FAISS_NOEXCEPT;

/* Learns the IVF coarse centroids from n (>= nlist) row-major vectors of dim floats. A no-op
 * for FLAT/HNSW. Train once, while empty; to change the centroids create a new index. */
CADML_FAISS_API int cadml_faiss_train(void* idx, int64_t n, const float* x) CADML_FAISS_NOEXCEPT;

/* Adds n row-major vectors of dim floats with the caller's ids (each >= 0). */
CADML_FAISS_API int cadml_faiss_add(void* idx, int64_t n, const float* x,
                                    const int64_t* ids) CADML_FAISS_NOEXCEPT;

/* Status only, no out-value: CADML_FAISS_OK when cadml_faiss_remove works for this index,
 * CADML_FAISS_NOT_SUPPORTED when it does not (HNSW) - the same code remove would return. */
CADML_FAISS_API int cadml_faiss_supports_remove(void* idx) CADML_FAISS_NOEXCEPT;

/* Removes every stored vector whose id is in ids[0..n). Unknown ids are ignored;
 * *removed_out (may be NULL) receives how many vectors were removed. O(ntotal) per call,
 * so batch ids. HNSW: CADML_FAISS_NOT_SUPPORTED and nothing changes. */
CADML_FAISS_API int cadml_faiss_remove(void* idx, int64_t n, const int64_t* ids,
                                       int64_t* removed_out) CADML_FAISS_NOEXCEPT;

/* k nearest neighbours for each of n queries. distances and labels have room for n * k
 * values, row-major. Inner product: larger is closer, rows sorted descending; L2: squared
 * distances, ascending. Slots with no neighbour (fewer than k vectors reachable) have
 * label -1 and an unspecified distance. Flat: equal scores are ordered by storage position (the
 * earlier row first). A flat inner-product index on a CPU with AVX-512 VNNI answers from its 8-bit
 * screen (flat_screen.h): the same answers bit for bit, reading a third of the bytes. */
CADML_FAISS_API int cadml_faiss_search(void* idx, int64_t n, const float* q, int k,
                                       float* distances, int64_t* labels) CADML_FAISS_NOEXCEPT;

/* The same answers as cadml_faiss_search for n queries against a FLAT index, computed as one
 * batch, so each stored row is read once per batch instead of once per query:
 * - inner product on a CPU with AVX-512 VNNI, up to CADML_FAISS_BATCH_SCREEN_UP_TO queries: the
 *   8-bit screen, all queries in one pass, the answers of cadml_faiss_search bit for bit (it
 *   takes the same path). From 9 queries the AVX-512 lane kernel below fills its 16 lanes and
 *   was faster at k = 40 and on features that are all positive (docs/PERFORMANCE.md);
 * - else inner product on a CPU with AVX2+FMA, from CADML_FAISS_BATCH_LANES_FROM queries on: the
 *   shim's batch kernel (flat_lanes.inc), one fused multiply-add per stored value for up to 16
 *   queries at once (16 with AVX-512 from 9 queries, else 8);
 * - otherwise, from CADML_FAISS_BATCH_BLAS_FROM queries on (the shim lowers FAISS's BLAS
 *   threshold from 20 to that): FAISS's blocked scan, one BLAS sgemm per block of stored rows;
 * - below that: the single-query scan's loop over blocks of rows that stay in cache, all queries
 *   per block (the same answers as cadml_faiss_search, bit for bit).
 * The lane kernel and BLAS sum in another order than the single-query scan, so scores may differ in the
 * last bits and near-ties can come back in the other order. NOT_SUPPORTED for HNSW and IVF. */
#define CADML_FAISS_BATCH_SCREEN_UP_TO 8
#define CADML_FAISS_BATCH_LANES_FROM 3
#define CADML_FAISS_BATCH_BLAS_FROM 4
CADML_FAISS_API int cadml_faiss_search_flat_batch(void* idx, int64_t n, const float* q, int k,
                                                  float* distances, int64_t* labels) CADML_FAISS_NOEXCEPT;

/* Removes all vectors. Keeps parameters and IVF training, so no retrain is needed. */
CADML_FAISS_API int cadml_faiss_reset(void* idx) CADML_FAISS_NOEXCEPT;

CADML_FAISS_API int cadml_faiss_ntotal(void* idx, int64_t* out) CADML_FAISS_NOEXCEPT;

CADML_FAISS_API int cadml_faiss_dim(void* idx, int* out) CADML_FAISS_NOEXCEPT;

/* Runtime tuning. NOT_SUPPORTED when the index is not of the matching kind.
 * Both values are saved by serialize and restored by deserialize. */
CADML_FAISS_API int cadml_faiss_set_ef_search(void* idx, int ef_search) CADML_FAISS_NOEXCEPT;
CADML_FAISS_API int cadml_faiss_set_nprobe(void* idx, int nprobe) CADML_FAISS_NOEXCEPT;

/* Serialises the index in FAISS's own format into a buffer owned by the caller, who must
 * release it with cadml_faiss_free_buffer. */
CADML_FAISS_API int cadml_faiss_serialize(void* idx, uint8_t** buf, size_t* len) CADML_FAISS_NOEXCEPT;
CADML_FAISS_API int cadml_faiss_free_buffer(uint8_t* buf) CADML_FAISS_NOEXCEPT;

/* Rebuilds an index from cadml_faiss_serialize output (the buffer is only read).
 * Refuses FAISS files that are not one of the three layouts this shim creates, and HNSW
 * graphs whose links, levels or offsets point outside the index.
 * Why the caller should checksum what it stores: FAISS trusts the size fields inside the
 * stream, so a corrupt but well-formed-looking file can request a very large allocation
 * before the truncation is noticed, and FAISS 1.7.3 leaks the objects it had built when a
 * read fails part-way (up to about the size of the input, once per failed load). Garbage or
 * truncated input returns an error; it never crashes or returns a half-read index. */
CADML_FAISS_API int cadml_faiss_deserialize(const uint8_t* buf, size_t len,
                                            void** out) CADML_FAISS_NOEXCEPT;

/* Same format as serialize, straight to/from a file. write_file checks every write, flushes
 * and fsyncs before returning OK, and deletes the file on failure, so the caller's atomic
 * replace is: write_file(temp) -> rename(temp, final) -> fsync(directory). */
CADML_FAISS_API int cadml_faiss_write_file(void* idx, const char* path) CADML_FAISS_NOEXCEPT;
CADML_FAISS_API int cadml_faiss_read_file(const char* path, void** out) CADML_FAISS_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CADML_FAISS_H */

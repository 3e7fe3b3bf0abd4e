// flat_search.h - single-query exhaustive search over a FAISS flat index, used instead of
// faiss::IndexFlat::search for the one-query-per-request path.
//
// Why not FAISS's own search: for fewer than 20 queries FAISS 1.7.3 scans row by row with an
// out-of-line call per row into Debian's baseline (pre-AVX) build of its distance loop. This
// scan reads the same stored vectors with the shared inlined loop (distance.h), in an AVX2
// build where the CPU has it, and keeps the k best in a heap: 2-3 times faster per query at
// 10k-1M 24-d vectors, with the same answers (docs/PERFORMANCE.md). Batches too small for
// BLAS to pay (CADML_FAISS_BATCH_BLAS_FROM) take flat_search_batch: the same loop, blocked so
// every row is read once per batch.

#pragma once

#include <faiss/IndexFlat.h>

#include <cstdint>

namespace cadml {

/// Top-k for one query, in FAISS's conventions: inner product returns similarities in
/// descending order, L2 returns squared distances in ascending order, and missing results
/// (k > ntotal) are label -1. Labels are storage positions (0..ntotal-1); equal scores come in
/// storage order, the earlier row winning a place in the top k (flat_heap.h). Safe to call
/// concurrently on one index as long as nothing writes to it.
void flat_search_one(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels);

/// flat_search_one for nq row-major queries at once, results row-major (nq x k), the same
/// answers bit for bit (same loop, same summation order), over blocks of rows that stay in L1.
void flat_search_batch(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                       int64_t* labels);

/// The batch kernel for inner-product indexes (flat_lanes.inc): nq row-major queries, results
/// row-major (nq x k), the answers of flat_search_one up to the summation order (scores may
/// differ in the last bits, so near-ties may swap). False, with nothing written, for L2 or
/// on a CPU without AVX2+FMA; the caller then uses flat_search_batch.
bool flat_search_lanes(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                       int64_t* labels);

}  // namespace cadml

// hnsw_search.h - single-query search over a FAISS HNSW graph, used instead of
// faiss::IndexHNSW::search for the one-query-per-request path.
//
// Why not FAISS's own search: in 1.7.3 every call allocates and zeroes a visited table of
// ntotal bytes (1 MB per query at 1M vectors), computes each distance with an out-of-line
// call into Debian's baseline (pre-AVX) build of its distance loop, and fetches each
// neighbour's vector only when it reaches it, so a query pays one memory round trip per
// distance. At 1M 24-d vectors that made a
// query about 2.3 times slower than the graph needs (docs/PERFORMANCE.md). This walk reads
// the same graph (hnsw.neighbors/offsets/levels, written by FAISS) and the same flat
// storage, keeps its visited table per thread, prefetches every unvisited neighbour of a
// node before measuring any of them, and dispatches once per query to an AVX2 build of
// itself where the CPU has it.
//
// The algorithm is the standard HNSW one (Malkov & Yashunin 2018): greedy descent through
// the upper layers, then a best-first beam of width max(efSearch, k) on layer 0. FAISS's
// search_from_candidates is a variant of the same beam; on the same graph this walk reaches
// the same recall or slightly more (docs/PERFORMANCE.md compares them side by side).

#pragma once

#include <faiss/IndexHNSW.h>

#include <cstdint>

namespace cadml {

/// Checks a graph FAISS deserialised before this walk ever follows it: every neighbour id,
/// offset and level must be in range, so a tampered file cannot steer reads outside the
/// arrays. Returns nullptr when the graph is sound, otherwise what is wrong.
const char* hnsw_graph_problem(const faiss::IndexHNSWFlat& index);

/// Top-k for one query, in FAISS's conventions: inner product returns similarities in
/// descending order, L2 returns squared distances in ascending order, and missing results
/// are label -1. Labels are storage positions (0..ntotal-1). Safe to call concurrently on
/// one index as long as nothing writes to it.
void hnsw_search_one(const faiss::IndexHNSWFlat& index, const float* query, int k, int ef,
                     float* distances, int64_t* labels);

}  // namespace cadml

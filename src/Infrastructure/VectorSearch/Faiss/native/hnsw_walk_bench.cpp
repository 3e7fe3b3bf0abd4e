// hnsw_walk_bench.cpp - FAISS 1.7.3's own HNSW search against the shim's walk
// (hnsw_search.h) on the same graph, one query at a time, as the service issues them.
// The evidence behind replacing FAISS's search loop; results are in docs/PERFORMANCE.md.
//
//   hnsw_walk_bench [--vectors N] [--m M] [--ef-construction E] [--cache DIR] ef...
//
// Vectors are uniform in [-1, 1)^24 and L2-normalised, searched by inner product: the
// hardest case for a graph index, and the data the .NET report (build/bench report) uses.
// Building 1M vectors takes minutes, so --cache keeps the built graph between runs.

#include "hnsw_search.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/index_io.h>

#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kDim = 24;
constexpr int kQueries = 1000;
constexpr int kK = 10;

std::vector<float> uniform_unit_vectors(size_t count, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> vectors(count * kDim);
    for (size_t i = 0; i < count; ++i) {
        float* row = &vectors[i * kDim];
        double norm = 0;
        for (int j = 0; j < kDim; ++j) {
            row[j] = uniform(rng);
            norm += double(row[j]) * row[j];
        }
        for (int j = 0; j < kDim; ++j) row[j] = static_cast<float>(row[j] / std::sqrt(norm));
    }
    return vectors;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool file_exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[static_cast<size_t>(p * (values.size() - 1))];
}

std::unique_ptr<faiss::IndexHNSWFlat> build_or_load(size_t count, int m, int ef_construction, const std::string& cache) {
    const std::string path = cache.empty() ? std::string()
                                           : cache + "/hnsw_" + std::to_string(count) + "_m" + std::to_string(m) +
                                                 "_efc" + std::to_string(ef_construction) + ".faiss";
    if (!path.empty() && file_exists(path)) {
        std::unique_ptr<faiss::Index> loaded(faiss::read_index(path.c_str()));
        if (auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(loaded.get())) {
            loaded.release();
            std::fprintf(stderr, "loaded %s\n", path.c_str());
            return std::unique_ptr<faiss::IndexHNSWFlat>(hnsw);
        }
    }
    const std::vector<float> base = uniform_unit_vectors(count, 1);
    auto index = std::make_unique<faiss::IndexHNSWFlat>(kDim, m, faiss::METRIC_INNER_PRODUCT);
    index->hnsw.efConstruction = ef_construction;
    const auto start = std::chrono::steady_clock::now();
    index->add(static_cast<faiss::Index::idx_t>(count), base.data());
    std::fprintf(stderr, "built %zu vectors, M=%d, efConstruction=%d, in %.1f s with %d threads\n", count, m,
                 ef_construction, seconds_since(start), omp_get_max_threads());
    if (!path.empty()) faiss::write_index(index.get(), path.c_str());
    return index;
}

}  // namespace

int main(int argc, char** argv) {
    size_t count = 1'000'000;
    int m = 32;
    int ef_construction = 80;
    std::string cache;
    std::vector<int> ef_searches;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--vectors" && has_value) {
            count = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--m" && has_value) {
            m = std::atoi(argv[++i]);
        } else if (arg == "--ef-construction" && has_value) {
            ef_construction = std::atoi(argv[++i]);
        } else if (arg == "--cache" && has_value) {
            cache = argv[++i];
        } else if (!arg.empty() && arg[0] != '-') {
            ef_searches.push_back(std::atoi(arg.c_str()));
        } else {
            std::fprintf(stderr, "usage: %s [--vectors N] [--m M] [--ef-construction E] [--cache DIR] ef...\n", argv[0]);
            return 2;
        }
    }
    if (ef_searches.empty()) ef_searches = {32, 48, 64};

    auto index = build_or_load(count, m, ef_construction, cache);
    if (const char* problem = cadml::hnsw_graph_problem(*index)) {
        std::fprintf(stderr, "graph check failed: %s\n", problem);
        return 1;
    }

    // Ground truth by brute force over the same stored vectors.
    const std::vector<float> queries = uniform_unit_vectors(kQueries, 2);
    std::vector<faiss::Index::idx_t> truth(kQueries * kK);
    {
        faiss::IndexFlatIP exact(kDim);
        exact.add(index->ntotal, static_cast<const faiss::IndexFlat*>(index->storage)->get_xb());
        std::vector<float> distances(kQueries * kK);
        exact.search(kQueries, queries.data(), kK, distances.data(), truth.data());
    }

    // Searches run on one thread, like a request.
    omp_set_num_threads(1);
    std::printf("| vectors | M | efConstruction | efSearch | search | p50 µs | p95 µs | p99 µs | recall@10 |\n");
    std::printf("|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
    for (const int ef : ef_searches) {
        index->hnsw.efSearch = ef;
        for (const bool walk : {false, true}) {
            std::vector<double> micros(kQueries);
            size_t hits = 0;
            // Round 0 warms caches and is discarded; round 1 is measured.
            for (int round = 0; round < 2; ++round) {
                for (int q = 0; q < kQueries; ++q) {
                    faiss::Index::idx_t labels[kK];
                    float distances[kK];
                    const float* query = queries.data() + size_t(q) * kDim;
                    const auto start = std::chrono::steady_clock::now();
                    if (walk) {
                        cadml::hnsw_search_one(*index, query, kK, ef, distances, labels);
                    } else {
                        index->search(1, query, kK, distances, labels);
                    }
                    micros[q] = seconds_since(start) * 1e6;
                    if (round == 1) {
                        for (int a = 0; a < kK; ++a) {
                            hits += std::count(&truth[size_t(q) * kK], &truth[size_t(q) * kK] + kK, labels[a]);
                        }
                    }
                }
            }
            std::printf("| %zu | %d | %d | %d | %s | %.1f | %.1f | %.1f | %.3f |\n", count, m, ef_construction, ef,
                        walk ? "CadMl walk" : "FAISS 1.7.3", percentile(micros, 0.50), percentile(micros, 0.95),
                        percentile(micros, 0.99), double(hits) / (kQueries * kK));
            std::fflush(stdout);
        }
    }
    return 0;
}

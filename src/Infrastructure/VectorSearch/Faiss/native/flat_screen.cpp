// flat_screen.cpp - see flat_screen.h for what the screen is and why its answers are exact.

#include "flat_screen.h"

#include "distance.h"
#include "flat_heap.h"
#include "flat_search.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>

namespace cadml {
namespace {

using namespace flat_heap;

constexpr int kLanes = 16;  // rows per block: one 32-bit lane each in a 512-bit register
constexpr int kGroup = 4;   // dimensions per lane: VNNI multiplies four byte pairs per lane
constexpr int kCodeMax = 127;

// Where the stored rows crowd around a query, the screen cannot rule most of them out and only
// adds work (measured: 2.3x the plain loop's time on rows all within 0.02 of each other). A
// query with more than one row in kCrowded of the index (or 1,024) as candidates goes to the
// plain loop instead.
constexpr int64_t kCrowded = 8;
constexpr int64_t kCrowdedAtLeast = 1024;

constexpr int kSideBySide = 4;  // queries one block is scored for at once (screen_block)

// A row's float score, compiled for the same target as flat_search_one's AVX2 build so the sum
// is the same instructions in the same order, whatever the screen's own target allows.
__attribute__((target("avx2"), noinline)) float measured(const float* query, const float* row, size_t d) noexcept {
    return distance<true>(query, row, d);
}

// Rounds a bound up to the next float, so converting the double it was computed in never
// makes it smaller.
float upward(double value) {
    const auto narrowed = static_cast<float>(value);
    return static_cast<double>(narrowed) >= value ? narrowed : std::nextafter(narrowed, std::numeric_limits<float>::infinity());
}

struct Candidate {
    int64_t position;
    float score;  // the screen's
};

// One query's pass over the screen.
struct Screened {
    float scale = 0;   // of its bytes
    float margin = 0;  // 2 x bound, rounded up past the float rounding of the gate itself
    float gate = 0;    // candidates score at least this: (k-th best screen score) - margin
    bool crowded = false;
    std::vector<float> top;  // the k best screen scores so far, a min-heap
    std::vector<Candidate> candidates;

    void keep(int64_t position, float score, size_t wanted) {
        candidates.push_back({position, score});
        if (top.size() < wanted) {
            top.push_back(score);
            std::push_heap(top.begin(), top.end(), std::greater<>{});
            if (top.size() == wanted) gate = top.front() - margin;
        } else if (score > top.front()) {
            std::pop_heap(top.begin(), top.end(), std::greater<>{});
            top.back() = score;
            std::push_heap(top.begin(), top.end(), std::greater<>{});
            gate = top.front() - margin;
        }
    }
};

thread_local std::vector<Hit> t_screened_best;
thread_local std::vector<Screened> t_screened;
thread_local std::vector<int32_t> t_query_words;

}  // namespace

bool FlatScreen::serves(const faiss::IndexFlat& index) const noexcept {
    return index.metric_type == faiss::METRIC_INNER_PRODUCT && finite_ && rows_ == index.ntotal && cpu_has_avx512_vnni();
}

void FlatScreen::rebuild(const faiss::IndexFlat& index) {
    rows_ = 0;
    codes_.clear();
    scales_.clear();
    offsets_.clear();
    max_error_ = 0;
    max_norm_ = 0;
    finite_ = true;
    append(index);
}

void FlatScreen::append(const faiss::IndexFlat& index) {
    const auto d = static_cast<size_t>(index.d);
    const auto total = static_cast<int64_t>(index.ntotal);
    groups_ = (d + kGroup - 1) / kGroup;
    const int64_t blocks = (total + kLanes - 1) / kLanes;
    codes_.resize(static_cast<size_t>(blocks) * groups_ * kLanes * kGroup, 0);
    scales_.resize(static_cast<size_t>(blocks) * kLanes, 0.0f);
    offsets_.resize(static_cast<size_t>(blocks) * kLanes, 0);
    const float* rows = index.get_xb();
    for (int64_t r = rows_; r < total; ++r) {
        const float* x = rows + static_cast<size_t>(r) * d;
        float largest = 0;
        for (size_t j = 0; j < d; ++j) largest = std::max(largest, std::fabs(x[j]));
        if (!std::isfinite(largest)) finite_ = false;
        const float scale = largest / kCodeMax;
        const size_t block = static_cast<size_t>(r / kLanes) * groups_ * kLanes * kGroup;
        const size_t lane = static_cast<size_t>(r % kLanes) * kGroup;
        double error = 0;
        double norm = 0;
        int32_t sum = 0;
        for (size_t j = 0; j < d; ++j) {
            const auto code = scale > 0 ? static_cast<int>(std::lround(std::clamp(x[j] / scale, -127.0f, 127.0f))) : 0;
            codes_[block + (j / kGroup) * kLanes * kGroup + lane + j % kGroup] = static_cast<int8_t>(code);
            const double restored = static_cast<double>(scale) * code;
            error += (x[j] - restored) * (x[j] - restored);
            norm += restored * restored;
            sum += code;
        }
        scales_[static_cast<size_t>(r)] = scale;
        // The query's bytes are stored as code + 128 (VNNI multiplies unsigned by signed bytes),
        // which adds 128 x sum(codes) to every product; starting from this takes it off again.
        offsets_[static_cast<size_t>(r)] = -128 * sum;
        max_error_ = std::max(max_error_, upward(std::sqrt(error)));
        max_norm_ = std::max(max_norm_, upward(std::sqrt(norm)));
    }
    rows_ = total;
}

void FlatScreen::remove(const std::vector<bool>& dropped) {
    const size_t block_bytes = groups_ * kLanes * kGroup;
    auto code = [&](int64_t row, size_t group) {
        return codes_.data() + static_cast<size_t>(row / kLanes) * block_bytes + group * kLanes * kGroup +
               static_cast<size_t>(row % kLanes) * kGroup;
    };
    int64_t kept = 0;
    for (int64_t r = 0; r < rows_; ++r) {
        if (dropped[static_cast<size_t>(r)]) continue;
        if (kept != r) {
            for (size_t g = 0; g < groups_; ++g) std::copy_n(code(r, g), kGroup, code(kept, g));
            scales_[static_cast<size_t>(kept)] = scales_[static_cast<size_t>(r)];
            offsets_[static_cast<size_t>(kept)] = offsets_[static_cast<size_t>(r)];
        }
        ++kept;
    }
    // The tail of the last block must read as padding again: code 0, scale 0.
    const int64_t blocks = (kept + kLanes - 1) / kLanes;
    for (int64_t r = kept; r < blocks * kLanes; ++r) {
        for (size_t g = 0; g < groups_; ++g) std::fill_n(code(r, g), kGroup, int8_t{0});
        scales_[static_cast<size_t>(r)] = 0;
        offsets_[static_cast<size_t>(r)] = 0;
    }
    codes_.resize(static_cast<size_t>(blocks) * block_bytes);
    scales_.resize(static_cast<size_t>(blocks) * kLanes);
    offsets_.resize(static_cast<size_t>(blocks) * kLanes);
    rows_ = kept;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vnni")

namespace {

// One block of 16 rows of the screen, as the pass reads it.
struct Block {
    const int8_t* codes;
    size_t groups;
    __m512i offsets;
    __m512 scales;
    int64_t start;   // its first row
    unsigned valid;  // its lanes that hold rows
};

// Scores one block for kWidth queries side by side: their multiply-adds form kWidth independent
// chains, where one query alone would wait on each VNNI result before the next (measured: the
// pass took 3x as long one query at a time), then gathers each query's candidates.
template <int kWidth>
__attribute__((always_inline)) inline void screen_block(const Block& block, const std::vector<int32_t>& words,
                                                        std::vector<Screened>& screened, int64_t first, size_t wanted,
                                                        size_t crowded) {
    __m512i sums[kWidth];
    const int32_t* word[kWidth];
#pragma GCC unroll 4
    for (int w = 0; w < kWidth; ++w) {
        sums[w] = block.offsets;
        word[w] = words.data() + static_cast<size_t>(first + w) * block.groups;
    }
    for (size_t g = 0; g < block.groups; ++g) {
        const __m512i codes = _mm512_loadu_si512(block.codes + g * kLanes * kGroup);
#pragma GCC unroll 4
        for (int w = 0; w < kWidth; ++w) sums[w] = _mm512_dpbusd_epi32(sums[w], _mm512_set1_epi32(word[w][g]), codes);
    }
    alignas(64) float scores[kLanes];
#pragma GCC unroll 4
    for (int w = 0; w < kWidth; ++w) {
        Screened& s = screened[static_cast<size_t>(first + w)];
        // maskz: the plain conversion leaves an "undefined" source GCC 12 warns about.
        const __m512 score = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xFFFF, sums[w]), _mm512_mul_ps(block.scales, _mm512_set1_ps(s.scale)));
        unsigned passed = _mm512_cmp_ps_mask(score, _mm512_set1_ps(s.gate), _CMP_GE_OQ) & block.valid;
        if (passed == 0 || s.crowded) continue;
        _mm512_store_ps(scores, score);
        for (; passed != 0; passed &= passed - 1) {
            const int lane = __builtin_ctz(passed);
            s.keep(block.start + lane, scores[lane], wanted);
        }
        if (s.candidates.size() > crowded) s.crowded = true;
    }
}

}  // namespace

void FlatScreen::search(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                        int64_t* labels) const {
    const auto d = static_cast<size_t>(index.d);
    const float* rows = index.get_xb();
    const size_t wanted = static_cast<size_t>(k);
    const size_t crowded = static_cast<size_t>(std::max<int64_t>(kCrowdedAtLeast, rows_ / kCrowded));

    // Each query in bytes (q^ = scale x code; padding dimensions get code 0, byte 128, like the
    // rows' padding) and its bound.
    std::vector<Screened>& screened = t_screened;
    screened.resize(static_cast<size_t>(nq));
    std::vector<int32_t>& words = t_query_words;
    words.assign(static_cast<size_t>(nq) * groups_, 0);
    for (int64_t q = 0; q < nq; ++q) {
        const float* query = queries + static_cast<size_t>(q) * d;
        Screened& s = screened[static_cast<size_t>(q)];
        float largest = 0;
        for (size_t j = 0; j < d; ++j) largest = std::max(largest, std::fabs(query[j]));
        s.scale = largest / kCodeMax;
        auto* bytes = reinterpret_cast<uint8_t*>(words.data() + static_cast<size_t>(q) * groups_);
        std::fill_n(bytes, groups_ * kGroup, static_cast<uint8_t>(128));
        double error = 0;
        double norm = 0;
        for (size_t j = 0; j < d; ++j) {
            const auto code = s.scale > 0 ? static_cast<int>(std::lround(std::clamp(query[j] / s.scale, -127.0f, 127.0f))) : 0;
            bytes[j] = static_cast<uint8_t>(code + 128);
            const double restored = static_cast<double>(s.scale) * code;
            error += (query[j] - restored) * (query[j] - restored);
            norm += static_cast<double>(query[j]) * query[j];
        }
        // Cauchy-Schwarz (flat_screen.h), plus room for the float rounding of both the screen's
        // score and the float loop's sum (each off by at most ~d ulps of |x| |q|) and of the
        // gate's subtraction (an ulp of the same).
        const double reach = (static_cast<double>(d) + 8) * std::ldexp(1.0, -23) * (max_norm_ + max_error_) *
                             (std::sqrt(norm) + std::sqrt(error));
        const double bound = max_error_ * std::sqrt(norm) + max_norm_ * std::sqrt(error) + reach;
        s.margin = upward(2 * bound + reach);
        s.top.clear();
        s.candidates.clear();
        s.gate = -std::numeric_limits<float>::infinity();
        s.crowded = false;
    }

    // The pass: every block of 16 rows is read once for all queries. A row becomes a candidate
    // when its screen score reaches (k-th best screen score so far) - 2 x bound; the k-th best
    // only rises, so this keeps every row the final test below keeps.
    const size_t block_bytes = groups_ * kLanes * kGroup;
    for (int64_t start = 0; start < rows_; start += kLanes) {
        const Block block{codes_.data() + static_cast<size_t>(start / kLanes) * block_bytes, groups_,
                          _mm512_loadu_si512(offsets_.data() + start), _mm512_loadu_ps(scales_.data() + start), start,
                          start + kLanes <= rows_ ? 0xFFFFu : (1u << (rows_ - start)) - 1};
        int64_t q = 0;
        for (; q + kSideBySide <= nq; q += kSideBySide) screen_block<kSideBySide>(block, words, screened, q, wanted, crowded);
        switch (nq - q) {
            case 3: screen_block<3>(block, words, screened, q, wanted, crowded); break;
            case 2: screen_block<2>(block, words, screened, q, wanted, crowded); break;
            case 1: screen_block<1>(block, words, screened, q, wanted, crowded); break;
            default: break;
        }
    }

    // Rescoring: only candidates within 2 x bound of the final k-th best screen score can be in
    // the top k (flat_screen.h), in storage order into flat_search_one's heap.
    for (int64_t q = 0; q < nq; ++q) {
        const Screened& s = screened[static_cast<size_t>(q)];
        const float* query = queries + static_cast<size_t>(q) * d;
        float* out_distances = distances + q * k;
        int64_t* out_labels = labels + q * k;
        if (s.crowded) {
            flat_search_one(index, query, k, out_distances, out_labels);
            continue;
        }
        const float gate = s.gate;
        std::vector<Hit>& best = t_screened_best;
        best.clear();
        best.reserve(std::min(wanted, static_cast<size_t>(rows_)));
        // The candidates' float rows sit anywhere in memory: ask for them all before using any.
        for (const Candidate& c : s.candidates) {
            if (c.score >= gate) _mm_prefetch(reinterpret_cast<const char*>(rows + static_cast<size_t>(c.position) * d), _MM_HINT_T0);
        }
        for (const Candidate& c : s.candidates) {
            if (c.score >= gate) offer(best, wanted, measured(query, rows + static_cast<size_t>(c.position) * d, d), c.position);
        }
        finish<true>(best, wanted, out_distances, out_labels);
    }
}

#pragma GCC pop_options

}  // namespace cadml

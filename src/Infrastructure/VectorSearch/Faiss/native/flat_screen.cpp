// flat_screen.cpp - see flat_screen.h for what the screen is and why its answers are exact.

#include "flat_screen.h"

#include "distance.h"
#include "flat_heap.h"
#include "flat_search.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace cadml {
namespace {

using namespace flat_heap;

constexpr int kLanes = 16;  // rows per block: one 32-bit lane each in a 512-bit register
constexpr int kGroup = 4;   // dimensions per lane: VNNI multiplies four byte pairs per lane
constexpr int kCodeMax = 127;
constexpr int kBlocks = 4;  // blocks scored side by side

// Where the stored rows crowd around the query, few rows fall below the bound and the screen
// only adds work (measured: 2.3x flat_search_one's time on rows all within 0.02 of each other).
// Once the heap is full, if more than one row in kGiveUp of the first kProbe screened still
// needs its float score, the query goes to flat_search_one instead.
constexpr int64_t kProbe = 1024;
constexpr int64_t kGiveUp = 8;

thread_local std::vector<Hit> t_screened_best;
thread_local std::vector<uint8_t> t_query_bytes;

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

float downward(double value) {
    const auto narrowed = static_cast<float>(value);
    return static_cast<double>(narrowed) <= value ? narrowed : std::nextafter(narrowed, -std::numeric_limits<float>::infinity());
}

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

void FlatScreen::search(const faiss::IndexFlat& index, const float* query, int k, float* distances,
                        int64_t* labels) const {
    const auto d = static_cast<size_t>(index.d);
    const float* rows = index.get_xb();
    const size_t wanted = static_cast<size_t>(k);
    std::vector<Hit>& best = t_screened_best;
    best.clear();
    best.reserve(std::min(wanted, static_cast<size_t>(rows_)));

    // The query in bytes: q^ = scale x code, and its distance from q for the bound.
    float largest = 0;
    for (size_t j = 0; j < d; ++j) largest = std::max(largest, std::fabs(query[j]));
    const float scale = largest / kCodeMax;
    // Padding dimensions get code 0 (byte 128) like the rows' padding, so they add nothing.
    std::vector<uint8_t>& bytes = t_query_bytes;
    bytes.assign(groups_ * kGroup, static_cast<uint8_t>(128));
    double error = 0;
    double norm = 0;
    for (size_t j = 0; j < d; ++j) {
        const auto code = scale > 0 ? static_cast<int>(std::lround(std::clamp(query[j] / scale, -127.0f, 127.0f))) : 0;
        bytes[j] = static_cast<uint8_t>(code + 128);
        const double restored = static_cast<double>(scale) * code;
        error += (query[j] - restored) * (query[j] - restored);
        norm += static_cast<double>(query[j]) * query[j];
    }
    // Cauchy-Schwarz (flat_screen.h), plus room for the float rounding of both the screen's
    // score and the float loop's sum: each is off by at most ~d ulps of |x| |q|.
    const double reach = (static_cast<double>(d) + 8) * std::ldexp(1.0, -23) * (max_norm_ + max_error_) *
                         (std::sqrt(norm) + std::sqrt(error));
    const double bound = max_error_ * std::sqrt(norm) + max_norm_ * std::sqrt(error) + reach;

    const __m512 scaled = _mm512_set1_ps(scale);
    __m512 gate = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const auto* words = reinterpret_cast<const int32_t*>(bytes.data());
    const size_t block_bytes = groups_ * kLanes * kGroup;
    const int64_t blocks = (rows_ + kLanes - 1) / kLanes;
    bool full = false;     // the heap holds k hits, so the gate is up
    bool probed = false;   // the kGiveUp check is behind us
    int64_t screened = 0;  // rows screened, and of those rescored, since the heap filled
    int64_t rescored = 0;
    for (int64_t first = 0; first < blocks; first += kBlocks) {
        // kBlocks independent sums, so the multiply-adds of one block need not wait for the last.
        const int count = static_cast<int>(std::min<int64_t>(kBlocks, blocks - first));
        __m512i sums[kBlocks];
        const int8_t* codes = codes_.data() + static_cast<size_t>(first) * block_bytes;
#pragma GCC unroll 4
        for (int b = 0; b < kBlocks; ++b) {
            if (b < count) sums[b] = _mm512_loadu_si512(offsets_.data() + (first + b) * kLanes);
        }
        for (size_t g = 0; g < groups_; ++g) {
            const __m512i word = _mm512_set1_epi32(words[g]);
#pragma GCC unroll 4
            for (int b = 0; b < kBlocks; ++b) {
                if (b < count) sums[b] = _mm512_dpbusd_epi32(sums[b], word, _mm512_loadu_si512(codes + b * block_bytes + g * kLanes * kGroup));
            }
        }
        for (int b = 0; b < count; ++b) {
            const int64_t start = (first + b) * kLanes;
            // maskz: the plain conversion leaves an "undefined" source GCC 12 warns about.
            const __m512 score = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xFFFF, sums[b]),
                                               _mm512_mul_ps(_mm512_loadu_ps(scales_.data() + start), scaled));
            auto passed = static_cast<unsigned>(_mm512_cmp_ps_mask(score, gate, _CMP_GT_OQ));
            if (full && !probed) {
                screened += kLanes;
                rescored += __builtin_popcount(passed);
                if (screened >= kProbe) {
                    if (rescored * kGiveUp > screened) {
                        flat_search_one(index, query, k, distances, labels);
                        return;
                    }
                    probed = true;
                }
            }
            if (passed == 0) continue;
            if (start + kLanes > rows_) passed &= (1u << (rows_ - start)) - 1;
            for (; passed != 0; passed &= passed - 1) {
                const int64_t position = start + __builtin_ctz(passed);
                offer(best, wanted, measured(query, rows + static_cast<size_t>(position) * d, d), position);
                if (best.size() == wanted) {
                    full = true;
                    gate = _mm512_set1_ps(downward(-static_cast<double>(best.front().distance) - bound));
                }
            }
        }
    }
    finish<true>(best, wanted, distances, labels);
}

#pragma GCC pop_options

}  // namespace cadml

// flat_screen.h - an 8-bit copy of a flat inner-product index's rows that answers a single
// query with exactly flat_search_one's hits and scores, reading a quarter of the bytes.
//
// Why: one 24-d query over 20k rows reads 1.9 MB of floats, more than stays in this machine's
// L2 between queries, so flat_search_one spends ~52 us per query and even a perfect float
// kernel would wait ~26 us for the rows (docs/PERFORMANCE.md). The screen holds each row as
// 8-bit integers with a per-row scale (24 bytes plus 8 of bookkeeping instead of 96), scored
// with AVX-512 VNNI at 64 multiply-adds per instruction: ~13-15 us per query at 20k rows.
//
// Exact answers, not approximate ones. With x^ and q^ the quantised row and query, the
// screen's score of every row is within
//     bound = E |q| + N |q - q^|
// of the true inner product, E being the largest |x - x^| over the rows and N the largest |x^|
// (Cauchy-Schwarz on x.q - x^.q^ = (x - x^).q + x^.(q - q^)), plus a few ulps for the float
// rounding of both sums. A row whose screen score plus the bound does not beat the current
// k-th best would be turned away by flat_search_one's heap at that same moment, so it is
// skipped; every other row gets its float score from flat_search_one's own loop and is offered
// to the same heap in the same order. The heap therefore evolves as flat_search_one's does, and
// the hits, their order and their scores are its own, bit for bit, ties included.

#pragma once

#include <faiss/IndexFlat.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cadml {

class FlatScreen {
public:
    /// True where the screen can answer for the index: inner product, a CPU with AVX-512 VNNI,
    /// every row quantised and finite (a row with inf or NaN has no bound).
    bool serves(const faiss::IndexFlat& index) const noexcept;

    /// Quantises rows [rows(), index.ntotal) of the index; call after every add.
    void append(const faiss::IndexFlat& index);

    /// Starts over from the index's rows; call after reset or load.
    void rebuild(const faiss::IndexFlat& index);

    /// Drops the rows marked in `dropped` (one flag per row before the removal) and closes the
    /// gaps, keeping the order, as FAISS's flat remove does with the float rows. The error and
    /// norm maxima stay as they were: still bounds, if slightly loose ones.
    void remove(const std::vector<bool>& dropped);

    /// Rows quantised so far.
    int64_t rows() const noexcept { return rows_; }

    /// flat_search_one's answer for one query; only where serves(index). Where the rows crowd so
    /// close together that the screen cannot rule most of them out, it is flat_search_one.
    void search(const faiss::IndexFlat& index, const float* query, int k, float* distances, int64_t* labels) const;

private:
    size_t groups_ = 0;             // four dimensions per 32-bit lane
    int64_t rows_ = 0;
    std::vector<int8_t> codes_;     // per block of 16 rows: groups_ x 64 bytes, lane = row
    std::vector<float> scales_;     // per row, padded to whole blocks (0 for padding)
    std::vector<int32_t> offsets_;  // per row: -128 x the sum of its codes (see search)
    float max_error_ = 0;           // E above
    float max_norm_ = 0;            // N above
    bool finite_ = true;
};

}  // namespace cadml

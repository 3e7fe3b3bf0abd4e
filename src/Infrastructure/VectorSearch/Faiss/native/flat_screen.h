// flat_screen.h - an 8-bit copy of a flat inner-product index's rows that answers queries with
// exactly flat_search_one's hits and scores, reading a third of the bytes.
//
// Why: one 24-d query over 20k rows reads 1.9 MB of floats, more than stays in this machine's
// L2 between queries, so flat_search_one spends ~52 us per query and even a perfect float
// kernel would wait ~26 us for the rows (docs/PERFORMANCE.md). The screen holds each row as
// 8-bit integers with a per-row scale (24 bytes plus 8 of bookkeeping instead of 96), scored
// with AVX-512 VNNI at 64 multiply-adds per instruction, all queries of a batch in one pass.
//
// Exact answers, not approximate ones. With x^ and q^ the quantised row and query, the
// screen's score of every row is within
//     bound = E |q| + N |q - q^|
// of its float score, E being the largest |x - x^| over the rows and N the largest |x^|
// (Cauchy-Schwarz on x.q - x^.q^ = (x - x^).q + x^.(q - q^)), plus a few ulps for the float
// rounding of both sums. If T is the k-th best screen score, those k rows all score at least
// T - bound, so the k-th best float score is at least T - bound, and a row in the top k scores
// at least that, hence has a screen score of at least T - 2 bound. Only those rows are scored
// again with flat_search_one's own loop and offered, in storage order, to its heap, which keeps
// the k best of whatever it is offered (flat_heap.h). The hits, their order and their scores are
// therefore flat_search_one's, bit for bit, ties included.

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

    /// flat_search_one's answers for nq row-major queries, results row-major (nq x k); only where
    /// serves(index). A query whose rows crowd so close together that the screen cannot rule
    /// most of them out is answered by flat_search_one itself.
    void search(const faiss::IndexFlat& index, int64_t nq, const float* queries, int k, float* distances,
                int64_t* labels) const;

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

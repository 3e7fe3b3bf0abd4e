// flat_heap.h - the k-best heap the flat scans share (flat_search.cpp, flat_screen.cpp): the
// same heap fed the same rows in the same order gives the same hits, which is what lets the
// screen promise flat_search_one's answers bit for bit.

#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cadml {
namespace flat_heap {

struct Hit {
    float distance;
    int64_t position;
};

// Keeps the worst of the k best on top, so one comparison rejects most rows. Equal distances
// are ordered by storage position (the earlier row wins a tie), so offering any rows in storage
// order leaves exactly the k best of them, in one order, however the heap was shuffled on the
// way: which is what lets the screen offer only some rows and still match the plain loop.
struct Worse {
    bool operator()(const Hit& a, const Hit& b) const noexcept {
        return a.distance < b.distance || (a.distance == b.distance && a.position < b.position);
    }
};

__attribute__((always_inline)) inline void offer(std::vector<Hit>& best, size_t wanted, float measured,
                                                 int64_t position) {
    if (best.size() < wanted) {
        best.push_back({measured, position});
        std::push_heap(best.begin(), best.end(), Worse{});
    } else if (measured < best.front().distance) {
        std::pop_heap(best.begin(), best.end(), Worse{});
        best.back() = {measured, position};
        std::push_heap(best.begin(), best.end(), Worse{});
    }
}

template <bool kInnerProduct>
void finish(std::vector<Hit>& best, size_t wanted, float* distances, int64_t* labels) {
    std::sort_heap(best.begin(), best.end(), Worse{});
    const float missing = kInnerProduct ? -std::numeric_limits<float>::infinity()
                                        : std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < wanted; ++i) {
        const bool found = i < best.size();
        labels[i] = found ? best[i].position : -1;
        distances[i] = !found ? missing : kInnerProduct ? -best[i].distance : best[i].distance;
    }
}

}  // namespace flat_heap
}  // namespace cadml

#pragma once

// Shape: the dimensions of a tensor, rank 0 (a scalar) to 4 (N, C, H, W).
// A small value type; copying it is cheap.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "selfsup/api.hpp"

namespace selfsup {

class SELFSUP_API Shape {
public:
    static constexpr int kMaxRank = 4;

    Shape() = default;
    // Throws ShapeError for more than kMaxRank dimensions or a negative one.
    Shape(std::initializer_list<int64_t> dims);
    template <typename Iterator>
    Shape(Iterator first, Iterator last) {
        for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
    }

    int rank() const { return rank_; }
    int64_t operator[](int axis) const { return dims_[axis]; }
    int64_t& operator[](int axis) { return dims_[axis]; }
    // Number of elements: the product of the dimensions (1 for a scalar).
    int64_t numel() const;
    // Elements per index of the first dimension: numel() / dims[0].
    int64_t inner_numel() const;
    const int64_t* begin() const { return dims_.data(); }
    const int64_t* end() const { return dims_.data() + rank_; }

    void push_back(int64_t dim);
    bool operator==(const Shape& other) const;
    bool operator!=(const Shape& other) const { return !(*this == other); }

    // "[128, 1, 28, 28]"
    std::string str() const;

private:
    std::array<int64_t, kMaxRank> dims_{};
    int rank_ = 0;
};

}  // namespace selfsup

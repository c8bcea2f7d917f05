#pragma once

// Small helpers the op tests share: comparing values with a margin, and
// reducing any result to a scalar that backward() can start from.

#include <catch2/catch.hpp>

#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::testing {

// Every element of `got` within 1e-4 of `want`.
inline void check_close(const std::vector<float>& got, const std::vector<float>& want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-4));
}

// The sum of all elements, as a recorded op.
inline Tensor total(const Tensor& dst) {
    double sum = 0.0;
    for (int64_t i = 0; i < dst.numel(); ++i) sum += dst.data()[i];
    return record("total", Tensor::scalar(static_cast<float>(sum)), {dst},
                  [shape = dst.shape()](const Tensor& diff) {
                      return std::vector<Tensor>{Tensor::full(shape, diff.item())};
                  });
}

}  // namespace selfsup::testing

#pragma once

// Gradient checks against central finite differences, shared by the op and
// loss tests. The op's output is reduced to a scalar with fixed random weights
// (so every output element's gradient matters and differs), the analytic
// gradient of every input comes from backward(), and the numeric one from
// perturbing each input element by +-eps.

#include <functional>
#include <string>
#include <vector>

#include "selfsup/rng.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::testing {

struct GradCheckOptions {
    float eps = 1e-2f;
    double absolute_tolerance = 2e-3;
    double relative_tolerance = 2e-2;
};

using OpUnderTest = std::function<Tensor(const std::vector<Tensor>&)>;

// A tensor with elements uniform in [low, high), requiring a gradient.
Tensor random_input(const Shape& shape, Rng& rng, float low = -1.0f, float high = 1.0f);
// As random_input, but every element is at least `margin` away from zero, so
// kinks at zero (ReLU, max pooling ties) are not straddled by +-eps.
Tensor random_input_away_from_zero(const Shape& shape, Rng& rng, float margin = 0.1f);

// Runs the check; returns "" when every gradient element is within
// tolerance, otherwise a report of the worst elements. Use as
// CHECK(gradient_mismatch(...) == "").
std::string gradient_mismatch(const OpUnderTest& op, const std::vector<Tensor>& inputs,
                              const GradCheckOptions& options = {});

}  // namespace selfsup::testing

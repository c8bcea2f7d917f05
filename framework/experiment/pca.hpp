#pragma once

// Principal component analysis to two dimensions, for pictures of how an
// encoder lays out the classes.

#include <vector>

#include "experiment/embeddings.hpp"

namespace selfsup {

struct Projection {
    std::vector<float> x;
    std::vector<float> y;
    // The share of the total variance each of the two components explains.
    double explained_x = 0.0;
    double explained_y = 0.0;
};

// The centred rows projected on the two leading eigenvectors of their
// covariance (found by power iteration with deflation, from a fixed start so
// the picture is reproducible).
Projection project_2d(const Embeddings& embeddings);

}  // namespace selfsup

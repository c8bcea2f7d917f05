#pragma once

// Reading IDX files (the MNIST and Fashion-MNIST format), gzipped or not.
//
// Headers are checked against the file's real size before anything is
// allocated, so a header that claims more data than the file holds is refused
// with DataError naming the file, never allocated.

#include <cstdint>
#include <string>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::idx {

struct Images {
    int64_t count = 0;
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<uint8_t> pixels;  // count * rows * cols, row-major
};

// An images file (magic 0x00000803: unsigned bytes, 3 dimensions).
SELFSUP_API Images read_images(const std::string& path);
// A labels file (magic 0x00000801: unsigned bytes, 1 dimension).
SELFSUP_API std::vector<uint8_t> read_labels(const std::string& path);
// Images `first` .. `first + count` as float32 [count, 1, rows, cols] in [0, 1].
SELFSUP_API Tensor to_tensor(const Images& images, int64_t first, int64_t count);

}  // namespace selfsup::idx

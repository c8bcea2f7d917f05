#pragma once

// Writing 8-bit PNG images with libpng.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace selfsup {

struct Image {
    int width = 0;
    int height = 0;
    // 1 (grey) or 3 (RGB), interleaved row-major.
    int channels = 1;
    std::vector<uint8_t> pixels;

    Image(int width, int height, int channels, uint8_t fill);
    uint8_t* at(int x, int y) { return &pixels[(static_cast<size_t>(y) * width + x) * channels]; }
};

// Throws DataError naming the file when it cannot be written.
void write_png(const Image& image, const std::filesystem::path& path);

}  // namespace selfsup

#include "experiment/pictures.hpp"

#include <algorithm>
#include <cmath>

#include "selfsup/errors.hpp"
#include "support/png.hpp"

namespace selfsup {

namespace {

constexpr int kScale = 2;
constexpr int kGap = 4;

uint8_t to_byte(float value) {
    return static_cast<uint8_t>(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
}

void draw_line(Image& image, int x0, int y0, int x1, int y1, const uint8_t* colour) {
    const int steps = std::max({std::abs(x1 - x0), std::abs(y1 - y0), 1});
    for (int i = 0; i <= steps; ++i) {
        const int x = x0 + (x1 - x0) * i / steps;
        const int y = y0 + (y1 - y0) * i / steps;
        for (int c = 0; c < image.channels; ++c) image.at(x, y)[c] = colour[c];
    }
}

}  // namespace

void write_preview_grid(const std::vector<Preview>& previews, const std::filesystem::path& path) {
    SELFSUP_CHECK(!previews.empty(), "write_preview_grid without previews");
    const Shape& shape = previews.front().images.shape();
    SELFSUP_CHECK(shape.rank() == 4, "previews must be [N, C, H, W], got ", shape.str());
    const int count = static_cast<int>(shape[0]);
    const int channels = static_cast<int>(shape[1]);
    const int height = static_cast<int>(shape[2]);
    const int width = static_cast<int>(shape[3]);
    const int cell_w = width * kScale + kGap;
    const int cell_h = height * kScale + kGap;
    Image grid(count * cell_w + kGap, static_cast<int>(previews.size()) * cell_h + kGap,
               channels == 3 ? 3 : 1, 255);
    for (size_t row = 0; row < previews.size(); ++row) {
        const Tensor& images = previews[row].images;
        for (int n = 0; n < std::min<int>(count, static_cast<int>(images.dim(0))); ++n) {
            for (int y = 0; y < height * kScale; ++y) {
                for (int x = 0; x < width * kScale; ++x) {
                    uint8_t* pixel = grid.at(kGap + n * cell_w + x,
                                             kGap + static_cast<int>(row) * cell_h + y);
                    for (int c = 0; c < grid.channels; ++c) {
                        const int64_t offset =
                            ((static_cast<int64_t>(n) * channels + c) * height + y / kScale) *
                                width + x / kScale;
                        pixel[c] = to_byte(images.data()[offset]);
                    }
                }
            }
        }
    }
    write_png(grid, path);
}

void write_loss_curve(const std::vector<float>& losses, const std::filesystem::path& path) {
    constexpr int kWidth = 360;
    constexpr int kHeight = 220;
    constexpr int kMargin = 20;
    const uint8_t black[3] = {0, 0, 0};
    const uint8_t blue[3] = {31, 90, 200};
    Image chart(kWidth, kHeight, 3, 255);
    draw_line(chart, kMargin, kMargin, kMargin, kHeight - kMargin, black);
    draw_line(chart, kMargin, kHeight - kMargin, kWidth - kMargin, kHeight - kMargin, black);
    if (!losses.empty()) {
        const auto [low, high] = std::minmax_element(losses.begin(), losses.end());
        const float span = std::max(*high - *low, 1e-6f);
        const auto point = [&](size_t i) {
            const int x = kMargin + 4 +
                          static_cast<int>((kWidth - 2 * kMargin - 8) *
                                           (losses.size() == 1 ? 0.5 : double(i) / (losses.size() - 1)));
            const int y = kMargin + 4 +
                          static_cast<int>((kHeight - 2 * kMargin - 8) * ((*high - losses[i]) / span));
            return std::pair(x, y);
        };
        for (size_t i = 0; i < losses.size(); ++i) {
            const auto [x, y] = point(i);
            if (i > 0) {
                const auto [px, py] = point(i - 1);
                draw_line(chart, px, py, x, y, blue);
            }
            draw_line(chart, x - 2, y, x + 2, y, blue);
            draw_line(chart, x, y - 2, x, y + 2, blue);
        }
    }
    write_png(chart, path);
}

}  // namespace selfsup

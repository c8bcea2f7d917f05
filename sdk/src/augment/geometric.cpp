// The transforms that move pixels: translate, resized_crop, hflip, rotate90,
// rotate. Each output pixel is computed from its source position, so images
// and channels are independent and any thread may take any image.

#include <cmath>
#include <numbers>

#include "image_batch.hpp"
#include "selfsup/augment.hpp"

namespace selfsup::augment {

namespace {

using detail::BatchDims;

// The plane value at continuous position (sy, sx), bilinearly interpolated.
// Neighbours outside the plane count as 0 when `zero_outside`; otherwise the
// position is first clamped into the plane (the edge value continues).
float sample_bilinear(const float* plane, int64_t h, int64_t w, float sy, float sx,
                      bool zero_outside) {
    if (!zero_outside) {
        sy = std::fmin(std::fmax(sy, 0.0f), static_cast<float>(h - 1));
        sx = std::fmin(std::fmax(sx, 0.0f), static_cast<float>(w - 1));
    }
    const float y0f = std::floor(sy);
    const float x0f = std::floor(sx);
    const float fy = sy - y0f;
    const float fx = sx - x0f;
    const auto y0 = static_cast<int64_t>(y0f);
    const auto x0 = static_cast<int64_t>(x0f);
    auto at = [&](int64_t y, int64_t x) {
        if (y < 0 || y >= h || x < 0 || x >= w) return 0.0f;
        return plane[y * w + x];
    };
    const float top = at(y0, x0) * (1.0f - fx) + at(y0, x0 + 1) * fx;
    const float bottom = at(y0 + 1, x0) * (1.0f - fx) + at(y0 + 1, x0 + 1) * fx;
    return top * (1.0f - fy) + bottom * fy;
}

}  // namespace

Tensor translate(const Tensor& batch, const std::vector<Shift>& shifts, Fill fill) {
    const BatchDims dims = detail::check_batch(batch, shifts.size(), "translate");
    const auto write_plane = [&](int64_t n, const float* src_plane, float* dst_plane) {
        const Shift shift = shifts[n];
        for (int64_t y = 0; y < dims.h; ++y) {
            int64_t sy = y - shift.dy;
            const bool row_inside = sy >= 0 && sy < dims.h;
            if (fill == Fill::kReflect) sy = detail::reflect_index(sy, dims.h);
            for (int64_t x = 0; x < dims.w; ++x) {
                int64_t sx = x - shift.dx;
                const bool inside = row_inside && sx >= 0 && sx < dims.w;
                if (fill == Fill::kReflect) {
                    sx = detail::reflect_index(sx, dims.w);
                } else if (!inside) {
                    dst_plane[y * dims.w + x] = 0.0f;
                    continue;
                }
                dst_plane[y * dims.w + x] = src_plane[sy * dims.w + sx];
            }
        }
    };
    return detail::map_planes(batch, dims, write_plane);
}

Tensor resized_crop(const Tensor& batch, const std::vector<Box>& boxes) {
    const BatchDims dims = detail::check_batch(batch, boxes.size(), "resized_crop");
    for (std::size_t n = 0; n < boxes.size(); ++n) {
        const Box& box = boxes[n];
        if (!(box.height > 0.0f && box.width > 0.0f && std::isfinite(box.height) &&
              std::isfinite(box.width) && std::isfinite(box.top) && std::isfinite(box.left))) {
            throw NumericalError(selfsup::detail::concat(
                "augment::resized_crop: box of image ", n, " (top ", box.top, ", left ", box.left,
                ", height ", box.height, ", width ", box.width, ") must have a positive size"));
        }
    }
    // Half-pixel centres: output pixel y covers [y, y + 1) of H, which maps to
    // [top + y * scale, top + (y + 1) * scale) of the box; its centre, less
    // half a pixel, is the source coordinate. The full box maps y to y.
    const auto write_plane = [&](int64_t n, const float* src_plane, float* dst_plane) {
        const Box box = boxes[n];
        const float scale_y = box.height / static_cast<float>(dims.h);
        const float scale_x = box.width / static_cast<float>(dims.w);
        for (int64_t y = 0; y < dims.h; ++y) {
            const float sy = box.top + (static_cast<float>(y) + 0.5f) * scale_y - 0.5f;
            for (int64_t x = 0; x < dims.w; ++x) {
                const float sx = box.left + (static_cast<float>(x) + 0.5f) * scale_x - 0.5f;
                dst_plane[y * dims.w + x] =
                    sample_bilinear(src_plane, dims.h, dims.w, sy, sx, false);
            }
        }
    };
    return detail::map_planes(batch, dims, write_plane);
}

Tensor hflip(const Tensor& batch, const std::vector<bool>& flip) {
    const BatchDims dims = detail::check_batch(batch, flip.size(), "hflip");
    const auto write_plane = [&](int64_t n, const float* src_plane, float* dst_plane) {
        const bool mirrored = flip[n];
        for (int64_t y = 0; y < dims.h; ++y) {
            const float* src_row = src_plane + y * dims.w;
            float* dst_row = dst_plane + y * dims.w;
            for (int64_t x = 0; x < dims.w; ++x) {
                dst_row[x] = src_row[mirrored ? dims.w - 1 - x : x];
            }
        }
    };
    return detail::map_planes(batch, dims, write_plane);
}

Tensor rotate90(const Tensor& batch, const std::vector<int>& k_per_image) {
    const BatchDims dims = detail::check_batch(batch, k_per_image.size(), "rotate90");
    if (dims.h != dims.w) {
        throw ShapeError(selfsup::detail::concat(
            "augment::rotate90: needs square images so every rotation keeps the batch shape, "
            "got ",
            batch.shape().str()));
    }
    const int64_t size = dims.h;

    // Counter-clockwise as viewed: the top row of the result is the right
    // column of the source, read from top to bottom.
    const auto write_plane = [&](int64_t n, const float* src_plane, float* dst_plane) {
        const int k = ((k_per_image[n] % 4) + 4) % 4;
        const int64_t last = size - 1;
        for (int64_t y = 0; y < size; ++y) {
            for (int64_t x = 0; x < size; ++x) {
                int64_t sy = y;
                int64_t sx = x;
                if (k == 1) {
                    sy = x;
                    sx = last - y;
                } else if (k == 2) {
                    sy = last - y;
                    sx = last - x;
                } else if (k == 3) {
                    sy = last - x;
                    sx = y;
                }
                dst_plane[y * size + x] = src_plane[sy * size + sx];
            }
        }
    };
    return detail::map_planes(batch, dims, write_plane);
}

Tensor rotate(const Tensor& batch, const std::vector<float>& degrees) {
    const BatchDims dims = detail::check_batch(batch, degrees.size(), "rotate");
    for (std::size_t n = 0; n < degrees.size(); ++n) {
        if (!std::isfinite(degrees[n])) {
            throw NumericalError(
                selfsup::detail::concat("augment::rotate: angle of image ", n, " is ", degrees[n]));
        }
    }
    const float cy = static_cast<float>(dims.h - 1) / 2.0f;
    const float cx = static_cast<float>(dims.w - 1) / 2.0f;

    // Each output pixel, as an offset (u, v) from the centre, reads the source
    // at R(theta) (u, v): with y pointing down, that turns the content
    // counter-clockwise as viewed.
    const auto write_plane = [&](int64_t n, const float* src_plane, float* dst_plane) {
        const double radians = degrees[n] * std::numbers::pi / 180.0;
        const auto cos_t = static_cast<float>(std::cos(radians));
        const auto sin_t = static_cast<float>(std::sin(radians));
        for (int64_t y = 0; y < dims.h; ++y) {
            const float v = static_cast<float>(y) - cy;
            for (int64_t x = 0; x < dims.w; ++x) {
                const float u = static_cast<float>(x) - cx;
                const float sx = cx + u * cos_t - v * sin_t;
                const float sy = cy + u * sin_t + v * cos_t;
                dst_plane[y * dims.w + x] =
                    sample_bilinear(src_plane, dims.h, dims.w, sy, sx, true);
            }
        }
    };
    return detail::map_planes(batch, dims, write_plane);
}

}  // namespace selfsup::augment

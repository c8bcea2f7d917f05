#pragma once

// The run report's pictures.

#include <filesystem>
#include <vector>

#include "selfsup/plugin/pretext.hpp"

namespace selfsup {

// One row per preview (e.g. input, corrupted, reconstruction), one column per
// image, values in [0, 1] shown as 0..255, each image enlarged 2x.
void write_preview_grid(const std::vector<Preview>& previews, const std::filesystem::path& path);

// A line chart of losses in order (x: step, y: loss from its minimum at the
// bottom to its maximum at the top).
void write_loss_curve(const std::vector<float>& losses, const std::filesystem::path& path);

}  // namespace selfsup

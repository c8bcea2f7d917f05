#pragma once

// The report's charts: accuracy against label budget, and embeddings projected
// to two dimensions. PNG has no text here, so each chart comes with the facts
// a caption needs (its colours, its axis range) for the report to print.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace selfsup {

// A label as part of an image's file name: letters, digits, '_' and '-'
// kept, anything else (spaces, brackets) made a '-'.
std::string file_stem(const std::string& label);

// The colour of series `index`, as "#rrggbb", from a fixed palette of 10
// distinguishable colours (repeating after that).
std::string palette_colour(size_t index);

struct Series {
    std::string name;
    // One value per x position; nothing where the series did not run.
    std::vector<std::optional<double>> values;
};

// Lines over evenly spaced x positions, series i in palette_colour(i), on a
// y axis from `low` to `high` with light grid lines every `grid_step`.
struct LineChart {
    std::vector<Series> series;
    size_t positions = 0;
    double low = 0.0;
    double high = 1.0;
    double grid_step = 0.1;
};

// A y range that holds every value, widened to multiples of `step`.
std::pair<double, double> rounded_range(const std::vector<Series>& series, double step);

void write_line_chart(const LineChart& chart, const std::filesystem::path& path);

// Points (x, y) coloured by class (palette_colour(label)), scaled to fill the
// picture.
void write_scatter(const std::vector<float>& x, const std::vector<float>& y,
                   const std::vector<int32_t>& labels, const std::filesystem::path& path);

}  // namespace selfsup

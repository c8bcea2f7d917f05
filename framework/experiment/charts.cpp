#include "experiment/charts.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "selfsup/errors.hpp"
#include "support/png.hpp"

namespace selfsup {

namespace {

using Colour = std::array<uint8_t, 3>;

constexpr std::array<Colour, 10> kPalette = {{
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
    {140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
}};

const Colour& colour_of(size_t index) { return kPalette[index % kPalette.size()]; }

void plot(Image& image, int x, int y, const Colour& colour) {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
    std::copy(colour.begin(), colour.end(), image.at(x, y));
}

// A line `thickness` pixels wide.
void line(Image& image, int x0, int y0, int x1, int y1, const Colour& colour, int thickness) {
    const int steps = std::max({std::abs(x1 - x0), std::abs(y1 - y0), 1});
    for (int i = 0; i <= steps; ++i) {
        const int x = x0 + (x1 - x0) * i / steps;
        const int y = y0 + (y1 - y0) * i / steps;
        for (int dy = 0; dy < thickness; ++dy) {
            for (int dx = 0; dx < thickness; ++dx) plot(image, x + dx, y + dy, colour);
        }
    }
}

void dot(Image& image, int x, int y, int radius, const Colour& colour) {
    for (int dy = -radius; dy <= radius; ++dy) {
        for (int dx = -radius; dx <= radius; ++dx) {
            if (dx * dx + dy * dy <= radius * radius) plot(image, x + dx, y + dy, colour);
        }
    }
}

}  // namespace

std::string file_stem(const std::string& label) {
    std::string stem;
    for (char c : label) {
        stem += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '-';
    }
    return stem;
}

std::string palette_colour(size_t index) {
    const Colour& colour = colour_of(index);
    return fmt::format("#{:02x}{:02x}{:02x}", colour[0], colour[1], colour[2]);
}

std::pair<double, double> rounded_range(const std::vector<Series>& series, double step) {
    double low = INFINITY;
    double high = -INFINITY;
    for (const Series& one : series) {
        for (const std::optional<double>& value : one.values) {
            if (!value) continue;
            low = std::min(low, *value);
            high = std::max(high, *value);
        }
    }
    if (!std::isfinite(low)) return {0.0, step};
    low = std::floor(low / step) * step;
    high = std::max(std::ceil(high / step) * step, low + step);
    return {low, high};
}

void write_line_chart(const LineChart& chart, const std::filesystem::path& path) {
    constexpr int kWidth = 480;
    constexpr int kHeight = 320;
    constexpr int kMargin = 24;
    const Colour black = {0, 0, 0};
    const Colour grid = {225, 225, 225};
    SELFSUP_CHECK(chart.positions > 0 && chart.high > chart.low, "empty line chart");
    Image image(kWidth, kHeight, 3, 255);
    const auto y_of = [&](double value) {
        return kHeight - kMargin -
               static_cast<int>(std::lround((kHeight - 2 * kMargin) * (value - chart.low) /
                                            (chart.high - chart.low)));
    };
    const auto x_of = [&](size_t position) {
        if (chart.positions == 1) return kWidth / 2;
        return kMargin + 16 +
               static_cast<int>((kWidth - 2 * kMargin - 32) * position / (chart.positions - 1));
    };
    for (double level = chart.low; level <= chart.high + 1e-9; level += chart.grid_step) {
        line(image, kMargin, y_of(level), kWidth - kMargin, y_of(level), grid, 1);
    }
    for (size_t position = 0; position < chart.positions; ++position) {
        line(image, x_of(position), kHeight - kMargin, x_of(position), kHeight - kMargin + 5,
             black, 1);
    }
    line(image, kMargin, kMargin, kMargin, kHeight - kMargin, black, 1);
    line(image, kMargin, kHeight - kMargin, kWidth - kMargin, kHeight - kMargin, black, 1);
    for (size_t s = 0; s < chart.series.size(); ++s) {
        const Series& series = chart.series[s];
        bool joined = false;
        int previous_x = 0;
        int previous_y = 0;
        for (size_t position = 0; position < series.values.size(); ++position) {
            if (!series.values[position]) {
                joined = false;
                continue;
            }
            const int x = x_of(position);
            const int y = y_of(*series.values[position]);
            if (joined) line(image, previous_x, previous_y, x, y, colour_of(s), 2);
            dot(image, x, y, 3, colour_of(s));
            joined = true;
            previous_x = x;
            previous_y = y;
        }
    }
    write_png(image, path);
}

void write_scatter(const std::vector<float>& x, const std::vector<float>& y,
                   const std::vector<int32_t>& labels, const std::filesystem::path& path) {
    constexpr int kSize = 400;
    constexpr int kMargin = 12;
    SELFSUP_CHECK(x.size() == y.size() && x.size() == labels.size() && !x.empty(),
                  "scatter of ", x.size(), " x, ", y.size(), " y, ", labels.size(), " labels");
    const auto [x_low, x_high] = std::minmax_element(x.begin(), x.end());
    const auto [y_low, y_high] = std::minmax_element(y.begin(), y.end());
    const float x_span = std::max(*x_high - *x_low, 1e-6f);
    const float y_span = std::max(*y_high - *y_low, 1e-6f);
    Image image(kSize, kSize, 3, 255);
    for (size_t i = 0; i < x.size(); ++i) {
        const int px = kMargin + static_cast<int>((kSize - 2 * kMargin) * (x[i] - *x_low) / x_span);
        const int py =
            kSize - kMargin - static_cast<int>((kSize - 2 * kMargin) * (y[i] - *y_low) / y_span);
        dot(image, px, py, 1, colour_of(static_cast<size_t>(labels[i])));
    }
    write_png(image, path);
}

}  // namespace selfsup

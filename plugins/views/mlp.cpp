#include "mlp.hpp"

#include <memory>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"

namespace selfsup::views {

Mlp::Mlp(int64_t in_features, const std::vector<int64_t>& widths, bool batch_norm, Rng& rng) {
    SELFSUP_CHECK(!widths.empty(), "an Mlp needs at least one width");
    int64_t width = in_features;
    for (size_t i = 0; i < widths.size(); ++i) {
        if (i > 0) {
            if (batch_norm) add(std::make_shared<BatchNorm2d>(width));
            add(std::make_shared<ActivationLayer>(Activation::kRelu));
        }
        add(std::make_shared<Linear>(width, widths[i], rng));
        width = widths[i];
    }
    out_features_ = width;
}

}  // namespace selfsup::views

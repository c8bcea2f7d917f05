#pragma once

// What both encoder plugins build from: activation layers chosen by name, the
// check that forward() got the images an encoder was made for, and the
// summary line an encoder logs when it is made. Header-only, so each plugin library
// carries its own copy and no plugin depends on another at run time.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/log.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::encoders {

// A layer for one of the activation names the encoders' schemas allow
// (relu, leaky_relu, elu, gelu, tanh). leaky_relu and elu take PyTorch's
// default slope and alpha: ActivationLayer's own default of 0 would make them
// a plain ReLU and a zero for negative inputs.
inline std::shared_ptr<Module> make_activation(const std::string& name) {
    if (name == "relu") return std::make_shared<ActivationLayer>(Activation::kRelu);
    if (name == "leaky_relu")
        return std::make_shared<ActivationLayer>(Activation::kLeakyRelu, 0.01f);
    if (name == "elu") return std::make_shared<ActivationLayer>(Activation::kElu, 1.0f);
    if (name == "gelu") return std::make_shared<ActivationLayer>(Activation::kGelu);
    if (name == "tanh") return std::make_shared<ActivationLayer>(Activation::kTanh);
    SELFSUP_CHECK(false, "activation '", name, "' passed the schema but has no layer");
    return nullptr;
}

// Throws ShapeError unless `sample` is an image shape [C, H, W] with every
// dimension positive: what an encoder is built for.
inline void require_image_shape(const char* encoder, const Shape& sample) {
    bool positive = sample.rank() == 3;
    for (int64_t dim : sample) positive = positive && dim > 0;
    if (!positive) {
        throw ShapeError(detail::concat(encoder,
                                        " encoder: needs images [C, H, W], but the "
                                        "samples are ",
                                        sample.str()));
    }
}

// Throws ShapeError unless `src` is a batch [N, C, H, W] of `sample` images.
inline void check_images(const char* encoder, const Shape& sample, const Tensor& src) {
    const Shape& shape = src.shape();
    bool fits = shape.rank() == 4 && shape[0] > 0;
    for (int axis = 0; fits && axis < 3; ++axis) fits = shape[axis + 1] == sample[axis];
    if (!fits) {
        throw ShapeError(detail::concat(encoder, " encoder: expected images [N, ", sample[0], ", ",
                                        sample[1], ", ", sample[2], "], got ", shape.str()));
    }
}

// "457,280": parameter counts in the log are read by people.
inline std::string with_thousands(int64_t count) {
    const std::string digits = std::to_string(count);
    std::string text;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) text += ',';
        text += digits[i];
    }
    return text;
}

// Logs an encoder's one-line summary: at info the first time this library
// sees it, at debug after that, since an experiment makes the same encoder for
// every run and the architecture is news only once.
inline void log_summary(const char* source, const std::string& summary) {
    static std::mutex mutex;
    static std::set<std::string> told;
    bool first = false;
    {
        const std::lock_guard lock(mutex);
        first = told.insert(summary).second;
    }
    log_message(first ? LogLevel::kInfo : LogLevel::kDebug, source, summary);
}

}  // namespace selfsup::encoders

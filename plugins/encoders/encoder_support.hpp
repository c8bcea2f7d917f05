#pragma once

// What both encoder plugins build from: a base holding the ordered blocks,
// the check that forward() got the images an encoder was made for, and the
// summary line an encoder logs when it is made. Header-only, so each plugin library
// carries its own copy and no plugin depends on another at run time.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/log.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/ops/reshape.hpp"
#include "selfsup/plugin/encoder.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::encoders {

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

// An encoder made of named blocks applied in order; subclasses add the
// blocks in their constructor and say where to flatten.
class BlockEncoder : public Encoder {
public:
    int64_t embedding_width() const override { return embedding_width_; }
    std::vector<EncoderBlock> blocks() const override { return blocks_; }

protected:
    BlockEncoder(const char* kind, const Shape& sample) : kind_(kind), sample_(sample) {
        require_image_shape(kind, sample);
    }

    void add_block(const std::string& name, std::shared_ptr<Module> module) {
        blocks_.push_back({name, register_module(name, std::move(module))});
    }

    // Adds the last block, a Linear from `features` to the embedding width,
    // and logs the architecture `summary` with the parameter count.
    void add_embedding(int64_t features, int64_t width, Rng& rng, std::string summary) {
        embedding_width_ = width;
        add_block("embedding", std::make_shared<Linear>(features, width, rng));
        summary += detail::concat(" -> embedding ", width, "; ", with_thousands(parameter_count()),
                                  " parameters");
        log_summary(kind_, summary);
    }

    // Applies the blocks, flattening [N, C, H, W] to [N, C*H*W] before block
    // `flatten_before` (0 for an MLP).
    Tensor apply_blocks(const Tensor& src, size_t flatten_before) {
        check_images(kind_, sample_, src);
        Tensor dst = src;
        for (size_t i = 0; i < blocks_.size(); ++i) {
            if (i == flatten_before) dst = ops::flatten(dst);
            dst = blocks_[i].module->forward(dst);
        }
        return dst;
    }

    const char* kind_;
    Shape sample_;
    int64_t embedding_width_ = 0;
    std::vector<EncoderBlock> blocks_;
};

}  // namespace selfsup::encoders

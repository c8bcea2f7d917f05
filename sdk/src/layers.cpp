#include "selfsup/layers.hpp"

#include <cmath>

#include "selfsup/errors.hpp"
#include "selfsup/init.hpp"
#include "selfsup/ops/activations.hpp"
#include "selfsup/ops/linear.hpp"
#include "selfsup/ops/normalization.hpp"
#include "selfsup/ops/reshape.hpp"

namespace selfsup {

namespace {

void require_positive(const char* layer, const char* what, int64_t value) {
    if (value <= 0) {
        throw ShapeError(detail::concat(layer, ": ", what, " must be positive, got ", value));
    }
}

// PyTorch's default for linear and convolution layers: weights and bias
// uniform in +-1/sqrt(fan_in), weights drawn first.
Tensor default_weights(const Shape& shape, int64_t fan_in, Rng& rng) {
    Tensor weights = Tensor::empty(shape);
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    init::uniform(weights, rng, -bound, bound);
    return weights;
}

Tensor default_bias(int64_t size, int64_t fan_in, Rng& rng) {
    return default_weights(Shape{size}, fan_in, rng);
}

}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias) {
    require_positive("Linear", "in_features", in_features);
    require_positive("Linear", "out_features", out_features);
    weight_ = register_parameter(
        "weight", default_weights(Shape{out_features, in_features}, in_features, rng));
    if (bias) bias_ = register_parameter("bias", default_bias(out_features, in_features, rng));
}

Linear::~Linear() = default;

Tensor Linear::forward(const Tensor& src) { return ops::linear(src, weight_, bias_); }

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int kernel, Rng& rng,
               const ops::Conv2dOptions& options, bool bias)
    : options_(options) {
    require_positive("Conv2d", "in_channels", in_channels);
    require_positive("Conv2d", "out_channels", out_channels);
    require_positive("Conv2d", "kernel", kernel);
    const int64_t fan_in = in_channels * kernel * kernel;
    weight_ = register_parameter(
        "weight", default_weights(Shape{out_channels, in_channels, kernel, kernel}, fan_in, rng));
    if (bias) bias_ = register_parameter("bias", default_bias(out_channels, fan_in, rng));
}

Conv2d::~Conv2d() = default;

Tensor Conv2d::forward(const Tensor& src) { return ops::conv2d(src, weight_, bias_, options_); }

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, int kernel, Rng& rng,
                                 const ops::ConvTranspose2dOptions& options, bool bias)
    : options_(options) {
    require_positive("ConvTranspose2d", "in_channels", in_channels);
    require_positive("ConvTranspose2d", "out_channels", out_channels);
    require_positive("ConvTranspose2d", "kernel", kernel);
    // PyTorch computes fan_in from its [in, out, kH, kW] layout, so it is
    // out * kH * kW; matching it keeps parameter statistics comparable.
    const int64_t fan_in = out_channels * kernel * kernel;
    weight_ = register_parameter(
        "weight", default_weights(Shape{out_channels, in_channels, kernel, kernel}, fan_in, rng));
    if (bias) bias_ = register_parameter("bias", default_bias(out_channels, fan_in, rng));
}

ConvTranspose2d::~ConvTranspose2d() = default;

Tensor ConvTranspose2d::forward(const Tensor& src) {
    return ops::conv_transpose2d(src, weight_, bias_, options_);
}

BatchNorm2d::BatchNorm2d(int64_t channels, float momentum, float eps)
    : momentum_(momentum), eps_(eps) {
    require_positive("BatchNorm2d", "channels", channels);
    if (!(momentum >= 0.0f && momentum <= 1.0f) || !(eps > 0.0f)) {
        throw NumericalError(detail::concat("BatchNorm2d: momentum must be in [0, 1] and eps "
                                            "positive, got momentum ",
                                            momentum, " and eps ", eps));
    }
    gamma_ = register_parameter("weight", Tensor::full(Shape{channels}, 1.0f));
    beta_ = register_parameter("bias", Tensor::zeros(Shape{channels}));
    running_mean_ = register_buffer("running_mean", Tensor::zeros(Shape{channels}));
    running_var_ = register_buffer("running_var", Tensor::full(Shape{channels}, 1.0f));
}

BatchNorm2d::~BatchNorm2d() = default;

Tensor BatchNorm2d::forward(const Tensor& src) {
    const ops::BatchNormOptions options{is_training(), momentum_, eps_};
    return ops::batch_norm(src, gamma_, beta_, running_mean_, running_var_, options);
}

Dropout::Dropout(float p, uint64_t seed) : p_(p), rng_(seed) {
    if (!(p >= 0.0f && p < 1.0f)) {
        throw NumericalError(detail::concat("Dropout: p must be in [0, 1), got ", p));
    }
}

Dropout::~Dropout() = default;

Tensor Dropout::forward(const Tensor& src) { return ops::dropout(src, p_, is_training(), rng_); }

ActivationLayer::ActivationLayer(Activation kind, float parameter)
    : kind_(kind), parameter_(parameter) {}

ActivationLayer::~ActivationLayer() = default;

Tensor ActivationLayer::forward(const Tensor& src) {
    switch (kind_) {
        case Activation::kRelu:
            return ops::relu(src);
        case Activation::kLeakyRelu:
            return ops::leaky_relu(src, parameter_);
        case Activation::kElu:
            return ops::elu(src, parameter_);
        case Activation::kGelu:
            return ops::gelu(src);
        case Activation::kSigmoid:
            return ops::sigmoid(src);
        case Activation::kTanh:
            return ops::tanh(src);
    }
    SELFSUP_CHECK(false, "unknown activation kind ", static_cast<int>(kind_));
    return {};
}

MaxPool2d::MaxPool2d(const ops::Pool2dOptions& options) : options_(options) {}

MaxPool2d::~MaxPool2d() = default;

Tensor MaxPool2d::forward(const Tensor& src) { return ops::max_pool2d(src, options_); }

AvgPool2d::AvgPool2d(const ops::Pool2dOptions& options) : options_(options) {}

AvgPool2d::~AvgPool2d() = default;

Tensor AvgPool2d::forward(const Tensor& src) { return ops::avg_pool2d(src, options_); }

Upsample::Upsample(int factor, ops::UpsampleMode mode) : factor_(factor), mode_(mode) {
    require_positive("Upsample", "factor", factor);
}

Upsample::~Upsample() = default;

Tensor Upsample::forward(const Tensor& src) { return ops::upsample(src, factor_, mode_); }

Flatten::~Flatten() = default;

Tensor Flatten::forward(const Tensor& src) { return ops::flatten(src); }

Reshape::Reshape(Shape shape) : shape_(shape) {
    if (shape_.rank() >= Shape::kMaxRank) {
        throw ShapeError(detail::concat("Reshape: target ", shape_.str(),
                                        " leaves no room for the batch dimension (at most ",
                                        Shape::kMaxRank - 1, " dimensions)"));
    }
}

Reshape::~Reshape() = default;

Tensor Reshape::forward(const Tensor& src) {
    if (src.rank() < 1) throw ShapeError("Reshape: needs a batch dimension, got a scalar");
    Shape target{src.dim(0)};
    for (const int64_t dim : shape_) target.push_back(dim);
    return ops::reshape(src, target);
}

std::shared_ptr<Module> make_activation(const std::string& name) {
    if (name == "relu") return std::make_shared<ActivationLayer>(Activation::kRelu);
    if (name == "leaky_relu") return std::make_shared<ActivationLayer>(Activation::kLeakyRelu, 0.01f);
    if (name == "elu") return std::make_shared<ActivationLayer>(Activation::kElu, 1.0f);
    if (name == "gelu") return std::make_shared<ActivationLayer>(Activation::kGelu);
    if (name == "sigmoid") return std::make_shared<ActivationLayer>(Activation::kSigmoid);
    if (name == "tanh") return std::make_shared<ActivationLayer>(Activation::kTanh);
    throw ManifestError("unknown activation '" + name +
                        "'; the activations are relu, leaky_relu, elu, gelu, sigmoid and tanh");
}

}  // namespace selfsup

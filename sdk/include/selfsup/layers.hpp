#pragma once

// The standard layers. Each constructor takes the sizes and an Rng for its
// initialisation (PyTorch's defaults: weights and biases uniform in
// +-1/sqrt(fan_in)), so one seed gives one network. Parameters are named
// "weight" and "bias"; a layer made with bias = false has no "bias" and its
// bias() is an undefined Tensor. Sizes that are not positive throw ShapeError.

#include <memory>

#include "selfsup/module.hpp"
#include "selfsup/ops/conv.hpp"
#include "selfsup/ops/pool.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

class SELFSUP_API Linear : public Module {
public:
    Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias = true);
    ~Linear() override;
    Tensor forward(const Tensor& src) override;
    Tensor& weight() { return weight_; }
    Tensor& bias() { return bias_; }

private:
    Tensor weight_;
    Tensor bias_;
};

class SELFSUP_API Conv2d : public Module {
public:
    Conv2d(int64_t in_channels, int64_t out_channels, int kernel, Rng& rng,
           const ops::Conv2dOptions& options = {}, bool bias = true);
    ~Conv2d() override;
    Tensor forward(const Tensor& src) override;
    Tensor& weight() { return weight_; }
    Tensor& bias() { return bias_; }

private:
    Tensor weight_;
    Tensor bias_;
    ops::Conv2dOptions options_;
};

// Weights are [out, in, kH, kW] (see ops/conv.hpp); fan_in for the default
// initialisation is out * kH * kW, as PyTorch computes it from its own
// [in, out, kH, kW] layout, so parameter statistics agree with PyTorch.
class SELFSUP_API ConvTranspose2d : public Module {
public:
    ConvTranspose2d(int64_t in_channels, int64_t out_channels, int kernel, Rng& rng,
                    const ops::ConvTranspose2dOptions& options = {}, bool bias = true);
    ~ConvTranspose2d() override;
    Tensor forward(const Tensor& src) override;
    Tensor& weight() { return weight_; }
    Tensor& bias() { return bias_; }

private:
    Tensor weight_;
    Tensor bias_;
    ops::ConvTranspose2dOptions options_;
};

// Parameters "weight" (gamma, ones) and "bias" (beta, zeros), buffers
// "running_mean" and "running_var", as PyTorch names them. Training mode uses
// and updates batch statistics; evaluation mode uses the running ones.
class SELFSUP_API BatchNorm2d : public Module {
public:
    explicit BatchNorm2d(int64_t channels, float momentum = 0.1f, float eps = 1e-5f);
    ~BatchNorm2d() override;
    Tensor forward(const Tensor& src) override;

private:
    Tensor gamma_;
    Tensor beta_;
    Tensor running_mean_;
    Tensor running_var_;
    float momentum_;
    float eps_;
};

// Draws its masks from its own Rng seeded by `seed`; identity in evaluation.
class SELFSUP_API Dropout : public Module {
public:
    Dropout(float p, uint64_t seed);
    ~Dropout() override;
    Tensor forward(const Tensor& src) override;

private:
    float p_;
    Rng rng_;
};

enum class Activation { kRelu, kLeakyRelu, kElu, kGelu, kSigmoid, kTanh };

// The activation a plugin's parameters name: "relu", "leaky_relu" (slope
// 0.01), "elu" (alpha 1), "gelu", "sigmoid" or "tanh", with PyTorch's default
// constants. Another name throws ManifestError listing these.
SELFSUP_API std::shared_ptr<Module> make_activation(const std::string& name);

class SELFSUP_API ActivationLayer : public Module {
public:
    explicit ActivationLayer(Activation kind, float parameter = 0.0f);
    ~ActivationLayer() override;
    Tensor forward(const Tensor& src) override;

private:
    Activation kind_;
    float parameter_;
};

class SELFSUP_API MaxPool2d : public Module {
public:
    explicit MaxPool2d(const ops::Pool2dOptions& options);
    ~MaxPool2d() override;
    Tensor forward(const Tensor& src) override;

private:
    ops::Pool2dOptions options_;
};

class SELFSUP_API AvgPool2d : public Module {
public:
    explicit AvgPool2d(const ops::Pool2dOptions& options);
    ~AvgPool2d() override;
    Tensor forward(const Tensor& src) override;

private:
    ops::Pool2dOptions options_;
};

class SELFSUP_API Upsample : public Module {
public:
    Upsample(int factor, ops::UpsampleMode mode);
    ~Upsample() override;
    Tensor forward(const Tensor& src) override;

private:
    int factor_;
    ops::UpsampleMode mode_;
};

// [N, ...] -> [N, rest]
class SELFSUP_API Flatten : public Module {
public:
    ~Flatten() override;
    Tensor forward(const Tensor& src) override;
};

// [N, ...] -> [N, shape...]; `shape` excludes the batch dimension.
class SELFSUP_API Reshape : public Module {
public:
    explicit Reshape(Shape shape);
    ~Reshape() override;
    Tensor forward(const Tensor& src) override;

private:
    Shape shape_;
};

}  // namespace selfsup

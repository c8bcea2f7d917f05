#include "selfsup/optim.hpp"

#include <cmath>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

// Below this many elements a parameter is updated on one thread: waking the
// team costs more than the loop. Every element's update is independent, so
// the result does not depend on the thread count.
constexpr int64_t kParallelThreshold = 1 << 15;

void check_groups(const std::vector<ParamGroup>& groups) {
    for (size_t g = 0; g < groups.size(); ++g) {
        const ParamGroup& group = groups[g];
        if (!(group.lr >= 0.0f) || !(group.weight_decay >= 0.0f)) {
            throw NumericalError(detail::concat("optimizer parameter group ", g,
                                                ": lr and weight_decay must be non-negative, "
                                                "got lr ",
                                                group.lr, " and weight_decay ",
                                                group.weight_decay));
        }
        for (size_t i = 0; i < group.params.size(); ++i) {
            SELFSUP_CHECK(group.params[i].defined(), "optimizer parameter group ", g,
                          " holds an undefined tensor at index ", i);
        }
    }
}

// A parameter is updated only when it is trainable and backward reached it.
bool should_update(const Tensor& param) {
    return param.requires_grad() && param.grad().defined();
}

// Per-parameter state shaped like the groups, grown if groups were added to
// after construction.
void fit_state(const std::vector<ParamGroup>& groups, std::vector<std::vector<Tensor>>& state) {
    state.resize(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) state[g].resize(groups[g].params.size());
}

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
    check_groups(groups_);
}

Optimizer::~Optimizer() = default;

void Optimizer::zero_grad() {
    for (ParamGroup& group : groups_) {
        for (Tensor& param : group.params) param.zero_grad();
    }
}

Sgd::Sgd(std::vector<ParamGroup> groups, const SgdOptions& options)
    : Optimizer(std::move(groups)), options_(options) {
    if (!(options_.momentum >= 0.0f) || (options_.nesterov && options_.momentum == 0.0f)) {
        throw NumericalError(detail::concat(
            "Sgd: momentum must be non-negative, and positive for Nesterov; got momentum ",
            options_.momentum, options_.nesterov ? " with Nesterov" : ""));
    }
}

Sgd::~Sgd() = default;

void Sgd::step() {
    check_groups(groups_);
    fit_state(groups_, velocity_);
    NoGradGuard no_grad;
    const float momentum = options_.momentum;
    const bool nesterov = options_.nesterov;
    for (size_t g = 0; g < groups_.size(); ++g) {
        const float lr = groups_[g].lr;
        const float decay = groups_[g].weight_decay;
        for (size_t i = 0; i < groups_[g].params.size(); ++i) {
            Tensor& param = groups_[g].params[i];
            if (!should_update(param)) continue;
            const int64_t n = param.numel();
            float* __restrict w = param.data();
            const float* __restrict grad = param.grad().data();

            // 1. Plain SGD needs no state.
            if (momentum == 0.0f) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelThreshold)
                for (int64_t k = 0; k < n; ++k) w[k] -= lr * (grad[k] + decay * w[k]);
                continue;
            }

            // 2. With momentum, the first step starts the velocity at the
            // (decayed) gradient, as PyTorch does, rather than at zero.
            Tensor& velocity = velocity_[g][i];
            const bool first = !velocity.defined();
            if (first) velocity = Tensor::zeros(param.shape());
            const float keep = first ? 0.0f : momentum;
            float* __restrict v = velocity.data();
#pragma omp parallel for simd schedule(static) if (n >= kParallelThreshold)
            for (int64_t k = 0; k < n; ++k) {
                const float d = grad[k] + decay * w[k];
                const float v_new = keep * v[k] + d;
                v[k] = v_new;
                w[k] -= lr * (nesterov ? d + momentum * v_new : v_new);
            }
        }
    }
}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Optimizer(std::move(groups)), options_(options) {
    const bool betas_ok = options_.beta1 >= 0.0f && options_.beta1 < 1.0f &&
                          options_.beta2 >= 0.0f && options_.beta2 < 1.0f;
    if (!betas_ok || !(options_.eps >= 0.0f)) {
        throw NumericalError(detail::concat("Adam: betas must be in [0, 1) and eps non-negative; "
                                            "got beta1 ",
                                            options_.beta1, ", beta2 ", options_.beta2, ", eps ",
                                            options_.eps));
    }
}

Adam::~Adam() = default;

void Adam::step() {
    check_groups(groups_);
    fit_state(groups_, first_moment_);
    fit_state(groups_, second_moment_);
    steps_.resize(groups_.size());
    NoGradGuard no_grad;
    const float beta1 = options_.beta1;
    const float beta2 = options_.beta2;
    const float eps = options_.eps;
    const bool decoupled = options_.decoupled_weight_decay;
    for (size_t g = 0; g < groups_.size(); ++g) {
        steps_[g].resize(groups_[g].params.size(), 0);
        const float lr = groups_[g].lr;
        // One of the two is zero: decay goes either into the gradient (L2)
        // or straight onto the weights (decoupled).
        const float l2 = decoupled ? 0.0f : groups_[g].weight_decay;
        const float shrink = decoupled ? 1.0f - lr * groups_[g].weight_decay : 1.0f;
        for (size_t i = 0; i < groups_[g].params.size(); ++i) {
            Tensor& param = groups_[g].params[i];
            if (!should_update(param)) continue;
            Tensor& m_tensor = first_moment_[g][i];
            Tensor& v_tensor = second_moment_[g][i];
            if (!m_tensor.defined()) {
                m_tensor = Tensor::zeros(param.shape());
                v_tensor = Tensor::zeros(param.shape());
            }
            const int64_t t = ++steps_[g][i];

            // Bias corrections in double, once per parameter, as PyTorch does.
            const double correction1 = 1.0 - std::pow(static_cast<double>(beta1), t);
            const double correction2 = 1.0 - std::pow(static_cast<double>(beta2), t);
            const auto step_size = static_cast<float>(lr / correction1);
            const auto inv_sqrt_correction2 = static_cast<float>(1.0 / std::sqrt(correction2));

            const int64_t n = param.numel();
            float* __restrict w = param.data();
            const float* __restrict grad = param.grad().data();
            float* __restrict m = m_tensor.data();
            float* __restrict v = v_tensor.data();
#pragma omp parallel for simd schedule(static) if (n >= kParallelThreshold)
            for (int64_t k = 0; k < n; ++k) {
                const float d = grad[k] + l2 * w[k];
                m[k] = beta1 * m[k] + (1.0f - beta1) * d;
                v[k] = beta2 * v[k] + (1.0f - beta2) * d * d;
                const float denom = std::sqrt(v[k]) * inv_sqrt_correction2 + eps;
                w[k] = w[k] * shrink - step_size * (m[k] / denom);
            }
        }
    }
}

namespace {

AdamOptions with_decoupled_weight_decay(AdamOptions options) {
    options.decoupled_weight_decay = true;
    return options;
}

}  // namespace

AdamW::AdamW(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), with_decoupled_weight_decay(options)) {}

AdamW::~AdamW() = default;

}  // namespace selfsup

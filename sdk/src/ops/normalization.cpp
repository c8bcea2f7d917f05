#include "selfsup/ops/normalization.hpp"

#include <bit>

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using dnnl::normalization_flags;
using namespace dnnl_support;

// TODO: on plain layouts oneDNN 2.6 runs batch norm on its generic ncsp kernel;
// the blocked layouts of a convolution's output would reach the JIT one, once
// Tensor can hold them.
struct BatchNormPrimitives {
    dnnl::batch_normalization_forward forward;
    dnnl::batch_normalization_backward backward;
};

void check_batch_norm_args(const Tensor& src, const Tensor& gamma, const Tensor& beta,
                           const Tensor& running_mean, const Tensor& running_var,
                           const BatchNormOptions& options) {
    if (src.rank() != 2 && src.rank() != 4) {
        throw ShapeError(detail::concat(
            "batch_norm: expects src of shape [N, C] or [N, C, H, W], got ", src.shape().str()));
    }
    const Shape channels{src.dim(1)};
    const std::pair<const char*, const Tensor*> per_channel[] = {{"gamma", &gamma},
                                                                 {"beta", &beta},
                                                                 {"running_mean", &running_mean},
                                                                 {"running_var", &running_var}};
    for (const auto& [what, tensor] : per_channel) {
        if (tensor->shape() != channels) {
            throw ShapeError(detail::concat("batch_norm: ", what, " has shape ",
                                            tensor->shape().str(), " but src ", src.shape().str(),
                                            " needs ", channels.str(), " (one per channel)"));
        }
    }
    if (options.training && src.numel() / src.dim(1) < 2) {
        throw ShapeError(detail::concat("batch_norm: src ", src.shape().str(),
                                        " has one value per channel; training needs more to ",
                                        "estimate a variance (use a larger batch)"));
    }
    if (!(options.eps > 0.0f) || !(options.momentum >= 0.0f && options.momentum <= 1.0f)) {
        throw NumericalError(detail::concat("batch_norm: eps must be positive and momentum in ",
                                            "[0, 1], got eps ", options.eps, " and momentum ",
                                            options.momentum));
    }
}

// Training normalises with the batch's statistics; evaluation with the given
// (running) ones. Both learn scale (gamma) and shift (beta).
BatchNormPrimitives& batch_norm_primitives(const Shape& shape, bool training, float eps) {
    const std::string key = std::string("batch_norm:") + (training ? "train:" : "eval:") +
                            std::to_string(std::bit_cast<uint32_t>(eps)) + ":" + key_of(shape);
    return PrimitiveCache::instance().get<BatchNormPrimitives>(key, [&] {
        normalization_flags flags = normalization_flags::use_scale | normalization_flags::use_shift;
        if (!training) flags = flags | normalization_flags::use_global_stats;
        const dnnl::memory::desc md = plain_md(shape);
        dnnl::batch_normalization_forward::primitive_desc forward_pd(
            {dnnl::prop_kind::forward_training, md, eps, flags}, engine());
        dnnl::batch_normalization_backward::primitive_desc backward_pd(
            {dnnl::prop_kind::backward, md, md, eps, flags}, engine(), forward_pd);
        return BatchNormPrimitives{dnnl::batch_normalization_forward(forward_pd),
                                   dnnl::batch_normalization_backward(backward_pd)};
    });
}

// running = (1 - momentum) * running + momentum * batch, with the batch variance
// made unbiased (times n / (n - 1)) first.
void update_running_stats(const Tensor& mean, const Tensor& variance, int64_t per_channel,
                          float momentum, Tensor& running_mean, Tensor& running_var) {
    const float unbiased = static_cast<float>(per_channel) / static_cast<float>(per_channel - 1);
    for (int64_t c = 0; c < mean.numel(); ++c) {
        float& run_mean = running_mean.data()[c];
        float& run_var = running_var.data()[c];
        run_mean = (1.0f - momentum) * run_mean + momentum * mean.data()[c];
        run_var = (1.0f - momentum) * run_var + momentum * unbiased * variance.data()[c];
    }
}

}  // namespace

Tensor batch_norm(const Tensor& src, const Tensor& gamma, const Tensor& beta, Tensor& running_mean,
                  Tensor& running_var, const BatchNormOptions& options) {
    check_batch_norm_args(src, gamma, beta, running_mean, running_var, options);
    BatchNormPrimitives& prims = batch_norm_primitives(src.shape(), options.training, options.eps);

    // 1. Normalise. Training writes the batch statistics into fresh tensors;
    //    evaluation reads a copy of the running ones, so that backward sees the
    //    statistics this forward used even if the running ones change meanwhile.
    const Shape channels{src.dim(1)};
    const Tensor mean = options.training ? Tensor::empty(channels) : running_mean.clone();
    const Tensor variance = options.training ? Tensor::empty(channels) : running_var.clone();
    Tensor dst = Tensor::empty(src.shape());
    prims.forward.execute(stream(), {{DNNL_ARG_SRC, wrap(src)},
                                     {DNNL_ARG_DST, wrap(dst)},
                                     {DNNL_ARG_SCALE, wrap(gamma)},
                                     {DNNL_ARG_SHIFT, wrap(beta)},
                                     {DNNL_ARG_MEAN, wrap(mean)},
                                     {DNNL_ARG_VARIANCE, wrap(variance)}});
    stream().wait();

    // 2. Training moves the running statistics towards the batch's.
    if (options.training) {
        update_running_stats(mean, variance, src.numel() / src.dim(1), options.momentum,
                             running_mean, running_var);
    }

    // 3. Backward gives the gradients of src, gamma and beta in one call.
    const Tensor saved_src = src.detach();
    const Tensor saved_gamma = gamma.detach();
    // oneDNN's backward does not read beta but refuses to run without it.
    const Tensor saved_beta = beta.detach();
    return record(
        "batch_norm", dst, {src, gamma, beta},
        [&prims, saved_src, saved_gamma, saved_beta, mean, variance](const Tensor& diff_dst) {
            Tensor diff_src = Tensor::empty(saved_src.shape());
            Tensor diff_gamma = Tensor::empty(saved_gamma.shape());
            Tensor diff_beta = Tensor::empty(saved_gamma.shape());
            prims.backward.execute(stream(), {{DNNL_ARG_SRC, wrap(saved_src)},
                                              {DNNL_ARG_MEAN, wrap(mean)},
                                              {DNNL_ARG_VARIANCE, wrap(variance)},
                                              {DNNL_ARG_SCALE, wrap(saved_gamma)},
                                              {DNNL_ARG_SHIFT, wrap(saved_beta)},
                                              {DNNL_ARG_DIFF_DST, wrap(diff_dst)},
                                              {DNNL_ARG_DIFF_SRC, wrap(diff_src)},
                                              {DNNL_ARG_DIFF_SCALE, wrap(diff_gamma)},
                                              {DNNL_ARG_DIFF_SHIFT, wrap(diff_beta)}});
            stream().wait();
            return std::vector<Tensor>{diff_src, diff_gamma, diff_beta};
        });
}

Tensor dropout(const Tensor& src, float p, bool training, Rng& rng) {
    if (!(p >= 0.0f && p < 1.0f)) {
        throw NumericalError(detail::concat("dropout: p must be in [0, 1), got ", p));
    }
    if (!training || p == 0.0f) return src;

    // The mask holds 0 for dropped elements and 1 / (1 - p) for kept ones, so
    // backward is one multiplication. Drawn serially: one Rng, one order.
    const float keep_scale = 1.0f / (1.0f - p);
    Tensor mask = Tensor::empty(src.shape());
    Tensor dst = Tensor::empty(src.shape());
    const float* in = src.data();
    float* mask_values = mask.data();
    float* out = dst.data();
    for (int64_t i = 0; i < src.numel(); ++i) {
        mask_values[i] = rng.bernoulli(p) ? 0.0f : keep_scale;
        out[i] = in[i] * mask_values[i];
    }

    return record("dropout", dst, {src}, [mask](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(mask.shape());
        const float* diff = diff_dst.data();
        const float* keep = mask.data();
        float* out_diff = diff_src.data();
        for (int64_t i = 0; i < mask.numel(); ++i) out_diff[i] = diff[i] * keep[i];
        return std::vector<Tensor>{diff_src};
    });
}

}  // namespace selfsup::ops

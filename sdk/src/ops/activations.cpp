#include "selfsup/ops/activations.hpp"

#include <bit>
#include <cstdint>

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"

namespace selfsup::ops {

namespace {

using dnnl::algorithm;
using namespace dnnl_support;

struct EltwisePrimitives {
    dnnl::eltwise_forward forward;
    dnnl::eltwise_backward backward;
};

EltwisePrimitives& primitives(algorithm kind, float alpha, const Shape& shape) {
    const std::string key = "eltwise:" + std::to_string(static_cast<int>(kind)) + ":" +
                            std::to_string(std::bit_cast<uint32_t>(alpha)) + ":" + key_of(shape);
    return PrimitiveCache::instance().get<EltwisePrimitives>(key, [&] {
        // 1. Forward on the plain layout of the tensor.
        const dnnl::memory::desc md = plain_md(shape);
        dnnl::eltwise_forward::primitive_desc forward_pd(
            {dnnl::prop_kind::forward_training, kind, md, alpha, 0.0f}, engine());
        // 2. Backward from the source values, hinted by the forward.
        dnnl::eltwise_backward::primitive_desc backward_pd({kind, md, md, alpha, 0.0f}, engine(),
                                                           forward_pd);
        return EltwisePrimitives{dnnl::eltwise_forward(forward_pd),
                                 dnnl::eltwise_backward(backward_pd)};
    });
}

Tensor eltwise(const char* name, algorithm kind, float alpha, const Tensor& src) {
    EltwisePrimitives& prims = primitives(kind, alpha, src.shape());
    Tensor dst = Tensor::empty(src.shape());
    prims.forward.execute(stream(), {{DNNL_ARG_SRC, wrap(src)}, {DNNL_ARG_DST, wrap(dst)}});
    stream().wait();

    const Tensor saved_src = src.detach();
    return record(name, dst, {src}, [&prims, saved_src](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(saved_src.shape());
        prims.backward.execute(stream(), {{DNNL_ARG_SRC, wrap(saved_src)},
                                          {DNNL_ARG_DIFF_DST, wrap(diff_dst)},
                                          {DNNL_ARG_DIFF_SRC, wrap(diff_src)}});
        stream().wait();
        return std::vector<Tensor>{diff_src};
    });
}

}  // namespace

Tensor relu(const Tensor& src) { return eltwise("relu", algorithm::eltwise_relu, 0.0f, src); }

Tensor leaky_relu(const Tensor& src, float negative_slope) {
    return eltwise("leaky_relu", algorithm::eltwise_relu, negative_slope, src);
}

Tensor elu(const Tensor& src, float alpha) {
    return eltwise("elu", algorithm::eltwise_elu, alpha, src);
}

Tensor gelu(const Tensor& src) { return eltwise("gelu", algorithm::eltwise_gelu_erf, 0.0f, src); }

Tensor sigmoid(const Tensor& src) {
    return eltwise("sigmoid", algorithm::eltwise_logistic, 0.0f, src);
}

Tensor tanh(const Tensor& src) { return eltwise("tanh", algorithm::eltwise_tanh, 0.0f, src); }

}  // namespace selfsup::ops

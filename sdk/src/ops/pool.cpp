#include "selfsup/ops/pool.hpp"

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using dnnl::algorithm;
using namespace dnnl_support;

// TODO: on plain nchw, oneDNN 2.6 has only non-JIT kernels for pooling (simple_nchw)
// and for resampling backward (simple): nearest upsampling backward measured 5x
// slower than in nhwc. Tensors are plain-only; where these ops are on a hot path,
// run them in a blocked layout between reorders, or write an own loop.
struct PoolPrimitives {
    dnnl::pooling_forward forward;
    dnnl::pooling_backward backward;
    // Empty for average pooling; max pooling records where each maximum was.
    dnnl::memory::desc workspace_md;
};

struct ResamplePrimitives {
    dnnl::resampling_forward forward;
    dnnl::resampling_backward backward;
};

void check_nchw(const char* name, const Tensor& src) {
    if (src.rank() != 4) {
        throw ShapeError(
            detail::concat(name, ": expects src of shape [N, C, H, W], got ", src.shape().str()));
    }
}

// The result's shape, after checking that the options make sense for `src`.
Shape pooled_shape(const char* name, const Tensor& src, const Pool2dOptions& options, int stride) {
    check_nchw(name, src);
    if (options.kernel < 1 || stride < 1 || options.padding < 0 ||
        options.padding >= options.kernel) {
        throw ShapeError(detail::concat(
            name, ": kernel ", options.kernel, ", stride ", stride, " and padding ",
            options.padding,
            " are invalid; kernel and stride must be positive and padding in [0, kernel)"));
    }
    const int64_t padded_h = src.dim(2) + 2 * options.padding;
    const int64_t padded_w = src.dim(3) + 2 * options.padding;
    if (options.kernel > padded_h || options.kernel > padded_w) {
        throw ShapeError(detail::concat(name, ": kernel [", options.kernel, ", ", options.kernel,
                                        "] is larger than the padded input [", padded_h, ", ",
                                        padded_w, "] of src ", src.shape().str(), " (padding ",
                                        options.padding,
                                        "); use a smaller kernel or more padding"));
    }
    return Shape{src.dim(0), src.dim(1), (padded_h - options.kernel) / stride + 1,
                 (padded_w - options.kernel) / stride + 1};
}

PoolPrimitives& pool_primitives(algorithm kind, const Shape& src_shape, const Shape& dst_shape,
                                const Pool2dOptions& options, int stride) {
    const std::string key = "pool:" + std::to_string(static_cast<int>(kind)) + ":" +
                            std::to_string(options.kernel) + ":" + std::to_string(stride) + ":" +
                            std::to_string(options.padding) + ":" + key_of(src_shape);
    return PrimitiveCache::instance().get<PoolPrimitives>(key, [&] {
        const dnnl::memory::dims strides{stride, stride};
        const dnnl::memory::dims kernel{options.kernel, options.kernel};
        const dnnl::memory::dims padding{options.padding, options.padding};
        const dnnl::memory::desc src_md = plain_md(src_shape);
        const dnnl::memory::desc dst_md = plain_md(dst_shape);
        // 1. Forward for training: max pooling then also fills the workspace
        //    that backward needs.
        dnnl::pooling_forward::primitive_desc forward_pd(
            {dnnl::prop_kind::forward_training, kind, src_md, dst_md, strides, kernel, padding,
             padding},
            engine());
        // 2. Backward, hinted by the forward.
        dnnl::pooling_backward::primitive_desc backward_pd(
            {kind, src_md, dst_md, strides, kernel, padding, padding}, engine(), forward_pd);
        return PoolPrimitives{dnnl::pooling_forward(forward_pd),
                              dnnl::pooling_backward(backward_pd), forward_pd.workspace_desc()};
    });
}

Tensor pool2d(const char* name, algorithm kind, const Tensor& src, const Pool2dOptions& options) {
    const int stride = options.stride == 0 ? options.kernel : options.stride;
    const Shape dst_shape = pooled_shape(name, src, options, stride);
    PoolPrimitives& prims = pool_primitives(kind, src.shape(), dst_shape, options, stride);

    Tensor dst = Tensor::empty(dst_shape);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, wrap(src)},
                                               {DNNL_ARG_DST, wrap(dst)}};
    dnnl::memory workspace;
    if (prims.workspace_md.get_size() > 0) {
        workspace = dnnl::memory(prims.workspace_md, engine());
        args.emplace(DNNL_ARG_WORKSPACE, workspace);
    }
    prims.forward.execute(stream(), args);
    stream().wait();

    const Shape src_shape = src.shape();
    return record(name, dst, {src}, [&prims, workspace, src_shape](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(src_shape);
        std::unordered_map<int, dnnl::memory> backward_args{{DNNL_ARG_DIFF_DST, wrap(diff_dst)},
                                                            {DNNL_ARG_DIFF_SRC, wrap(diff_src)}};
        if (workspace) backward_args.emplace(DNNL_ARG_WORKSPACE, workspace);
        prims.backward.execute(stream(), backward_args);
        stream().wait();
        return std::vector<Tensor>{diff_src};
    });
}

}  // namespace

Tensor max_pool2d(const Tensor& src, const Pool2dOptions& options) {
    return pool2d("max_pool2d", algorithm::pooling_max, src, options);
}

Tensor avg_pool2d(const Tensor& src, const Pool2dOptions& options) {
    return pool2d("avg_pool2d", algorithm::pooling_avg_exclude_padding, src, options);
}

Tensor upsample(const Tensor& src, int factor, UpsampleMode mode) {
    check_nchw("upsample", src);
    if (factor < 1) {
        throw ShapeError(detail::concat("upsample: factor must be at least 1, got ", factor,
                                        " for src ", src.shape().str()));
    }
    const algorithm kind = mode == UpsampleMode::kNearest ? algorithm::resampling_nearest
                                                          : algorithm::resampling_linear;
    const Shape dst_shape{src.dim(0), src.dim(1), src.dim(2) * factor, src.dim(3) * factor};
    const std::string key = "resample:" + std::to_string(static_cast<int>(kind)) + ":" +
                            std::to_string(factor) + ":" + key_of(src.shape());
    ResamplePrimitives& prims = PrimitiveCache::instance().get<ResamplePrimitives>(key, [&] {
        // The factor follows from the two shapes, so none is passed.
        const dnnl::memory::desc src_md = plain_md(src.shape());
        const dnnl::memory::desc dst_md = plain_md(dst_shape);
        dnnl::resampling_forward::primitive_desc forward_pd(
            {dnnl::prop_kind::forward_training, kind, src_md, dst_md}, engine());
        dnnl::resampling_backward::primitive_desc backward_pd({kind, src_md, dst_md}, engine(),
                                                              forward_pd);
        return ResamplePrimitives{dnnl::resampling_forward(forward_pd),
                                  dnnl::resampling_backward(backward_pd)};
    });

    Tensor dst = Tensor::empty(dst_shape);
    prims.forward.execute(stream(), {{DNNL_ARG_SRC, wrap(src)}, {DNNL_ARG_DST, wrap(dst)}});
    stream().wait();

    const Shape src_shape = src.shape();
    return record("upsample", dst, {src}, [&prims, src_shape](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(src_shape);
        prims.backward.execute(
            stream(), {{DNNL_ARG_DIFF_DST, wrap(diff_dst)}, {DNNL_ARG_DIFF_SRC, wrap(diff_src)}});
        stream().wait();
        return std::vector<Tensor>{diff_src};
    });
}

}  // namespace selfsup::ops

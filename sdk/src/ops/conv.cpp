#include "selfsup/ops/conv.hpp"

#include <algorithm>
#include <optional>

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using dnnl::memory;
using namespace dnnl_support;

// A tensor with this few channels stays in plain nchw inside the primitives: the blocked
// layouts `any` picks pad the channels to a SIMD block (8 or 16), and the padded work cost more
// than the plain paths here. Measured on the reference workload (batch 128, one AVX2 thread,
// forward and backward): the 32->1 deconvolution with plain dst took 4.1 ms against 6.6 ms; the
// 1->32 convolution with plain src 8.5 ms against 13 ms (its backward-weights otherwise
// reorders src into a padded layout).
constexpr int64_t kPlainMaxChannels = 4;

// Loops over fewer elements than this run on one thread: forking costs more than they do.
constexpr int64_t kParallelMinElements = 1 << 15;

// One tensor's move between two layouts: the plain one at the op boundary and the one a
// primitive chose, in either direction. The reorder exists only when the layouts differ.
// Reordered copies live in pooled Tensor storage (`storage`, which the caller keeps alive as
// long as the memory is used), so a steady training step allocates nothing here.
class LayoutChange {
public:
    LayoutChange() = default;
    LayoutChange(const memory::desc& from, const memory::desc& to) : from_(from), to_(to) {
        if (from != to) {
            reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), from, engine(), to));
        }
    }

    const memory::desc& to() const { return to_; }

    // `src` (in layout `from`) in layout `to`: src itself, or memory in `storage` with the
    // reorder queued on the stream.
    memory source(const memory& src, Tensor& storage) const {
        if (!reorder_) return src;
        memory dst = pooled(to_, storage);
        reorder_->execute(stream(), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
        return dst;
    }

    // Memory in layout `from` for a primitive to write a result whose plain home is `plain`:
    // the tensor's own storage when no reorder is needed.
    memory staging(const Tensor& plain, Tensor& storage) const {
        return reorder_ ? pooled(from_, storage) : wrap(plain, from_);
    }

    // Queues the move of a staged result into its plain home.
    void finish(const memory& staged, const Tensor& plain) const {
        if (reorder_) {
            reorder_->execute(stream(), {{DNNL_ARG_FROM, staged}, {DNNL_ARG_TO, wrap(plain, to_)}});
        }
    }

private:
    memory::desc from_;
    memory::desc to_;
    std::optional<dnnl::reorder> reorder_;
};

// What the primitives of one convolution depend on.
struct Geometry {
    Shape src;
    Shape weights;
    Shape dst;
    memory::dims strides;
    memory::dims dilates;  // oneDNN counts dilation from 0
    memory::dims padding_l;
    memory::dims padding_r;
    bool bias_inside = false;  // the primitives add the bias and compute its gradient
    bool plain_src = false;    // src and diff_src forced to plain nchw
    bool plain_dst = false;    // dst and diff_dst forced to plain nchw
};

// Every primitive one convolution needs, forward and backward, with the reorders between the
// plain layouts at the boundary and the layouts each primitive chose.
struct ConvPrimitives {
    dnnl::primitive forward;
    dnnl::primitive backward_data;
    dnnl::primitive backward_weights;
    LayoutChange src;               // plain -> forward src
    LayoutChange weights;           // plain -> forward weights
    LayoutChange dst;               // forward dst -> plain
    LayoutChange data_diff_dst;     // plain -> backward-data diff_dst
    LayoutChange data_weights;      // plain -> backward-data weights
    LayoutChange diff_src;          // backward-data diff_src -> plain
    LayoutChange weights_src;       // forward src -> backward-weights src
    LayoutChange weights_diff_dst;  // plain -> backward-weights diff_dst
    LayoutChange diff_weights;      // backward-weights diff_weights -> plain
};

struct ConvolutionKind {
    using Forward = dnnl::convolution_forward;
    using BackwardData = dnnl::convolution_backward_data;
    using BackwardWeights = dnnl::convolution_backward_weights;
    static constexpr dnnl::algorithm kAlgorithm = dnnl::algorithm::convolution_direct;
};

struct DeconvolutionKind {
    using Forward = dnnl::deconvolution_forward;
    using BackwardData = dnnl::deconvolution_backward_data;
    using BackwardWeights = dnnl::deconvolution_backward_weights;
    static constexpr dnnl::algorithm kAlgorithm = dnnl::algorithm::deconvolution_direct;
};

std::string dims_key(const memory::dims& dims) {
    std::string text;
    for (const memory::dim dim : dims) text += std::to_string(dim) + ",";
    return text;
}

template <typename Kind>
ConvPrimitives make_primitives(const Geometry& g) {
    const auto any = [](const Shape& shape) {
        return memory::desc(dims_of(shape), memory::data_type::f32, memory::format_tag::any);
    };
    const memory::desc src_md = g.plain_src ? plain_md(g.src) : any(g.src);
    const memory::desc dst_md = g.plain_dst ? plain_md(g.dst) : any(g.dst);
    const memory::desc bias_md = g.bias_inside ? plain_md(Shape{g.weights[0]}) : memory::desc();

    // 1. Forward, every layout left to oneDNN except where a trap forces plain.
    typename Kind::Forward::primitive_desc forward_pd(
        {dnnl::prop_kind::forward_training, Kind::kAlgorithm, src_md, any(g.weights), bias_md,
         dst_md, g.strides, g.dilates, g.padding_l, g.padding_r},
        engine());

    // 2. Backward data and backward weights, hinted by the forward so they pick compatible
    //    kernels; their layouts may still differ from the forward's (weights usually do).
    typename Kind::BackwardData::primitive_desc data_pd(
        {Kind::kAlgorithm, src_md, any(g.weights), dst_md, g.strides, g.dilates, g.padding_l,
         g.padding_r},
        engine(), forward_pd);
    typename Kind::BackwardWeights::primitive_desc weights_pd(
        {Kind::kAlgorithm, src_md, any(g.weights), bias_md, dst_md, g.strides, g.dilates,
         g.padding_l, g.padding_r},
        engine(), forward_pd);

    // 3. The reorders between those layouts and the plain ones at the boundary.
    const memory::desc plain_src = plain_md(g.src);
    const memory::desc plain_weights = plain_md(g.weights);
    const memory::desc plain_dst = plain_md(g.dst);
    ConvPrimitives prims;
    prims.forward = typename Kind::Forward(forward_pd);
    prims.backward_data = typename Kind::BackwardData(data_pd);
    prims.backward_weights = typename Kind::BackwardWeights(weights_pd);
    prims.src = LayoutChange(plain_src, forward_pd.src_desc());
    prims.weights = LayoutChange(plain_weights, forward_pd.weights_desc());
    prims.dst = LayoutChange(forward_pd.dst_desc(), plain_dst);
    prims.data_diff_dst = LayoutChange(plain_dst, data_pd.diff_dst_desc());
    prims.data_weights = LayoutChange(plain_weights, data_pd.weights_desc());
    prims.diff_src = LayoutChange(data_pd.diff_src_desc(), plain_src);
    prims.weights_src = LayoutChange(forward_pd.src_desc(), weights_pd.src_desc());
    prims.weights_diff_dst = LayoutChange(plain_dst, weights_pd.diff_dst_desc());
    prims.diff_weights = LayoutChange(weights_pd.diff_weights_desc(), plain_weights);
    return prims;
}

template <typename Kind>
ConvPrimitives& primitives(const char* op, const Geometry& g) {
    const std::string key = detail::concat(
        op, ":", key_of(g.src), ":", key_of(g.weights), ":", key_of(g.dst), ":s",
        dims_key(g.strides), "d", dims_key(g.dilates), "l", dims_key(g.padding_l), "r",
        dims_key(g.padding_r), "b", g.bias_inside, "p", g.plain_src, g.plain_dst);
    return PrimitiveCache::instance().get<ConvPrimitives>(key,
                                                          [&] { return make_primitives<Kind>(g); });
}

// dst[n, c, :, :] += bias[c], on plain nchw.
void add_channel_bias(Tensor& dst, const Tensor& bias) {
    const int64_t rows = dst.dim(0) * dst.dim(1);
    const int64_t channels = dst.dim(1);
    const int64_t plane = dst.dim(2) * dst.dim(3);
    float* values = dst.data();
    const float* shift = bias.data();
#pragma omp parallel for if (dst.numel() >= kParallelMinElements) schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
        float* line = values + row * plane;
        const float add = shift[row % channels];
#pragma omp simd
        for (int64_t i = 0; i < plane; ++i) line[i] += add;
    }
}

// The bias gradient: diff_dst summed over everything but the channel, on plain nchw.
Tensor channel_sums(const Tensor& diff_dst) {
    const int64_t batch = diff_dst.dim(0);
    const int64_t channels = diff_dst.dim(1);
    const int64_t plane = diff_dst.dim(2) * diff_dst.dim(3);
    Tensor sums = Tensor::empty(Shape{channels});
    const float* values = diff_dst.data();
    float* out = sums.data();
#pragma omp parallel for if (diff_dst.numel() >= kParallelMinElements) schedule(static)
    for (int64_t c = 0; c < channels; ++c) {
        double total = 0.0;
        for (int64_t n = 0; n < batch; ++n) {
            const float* line = values + (n * channels + c) * plane;
            float partial = 0.0f;
#pragma omp simd reduction(+ : partial)
            for (int64_t i = 0; i < plane; ++i) partial += line[i];
            total += partial;
        }
        out[c] = static_cast<float>(total);
    }
    return sums;
}

// Runs a convolution or deconvolution forward and records its backward. A bias the primitives
// do not take (g.bias_inside false) is added, and differentiated, on the plain dst here.
template <typename Kind>
Tensor run(const char* op, const Geometry& g, const Tensor& src, const Tensor& weights,
           const Tensor& bias) {
    ConvPrimitives& prims = primitives<Kind>(op, g);
    const bool has_bias = bias.defined();
    const bool want_src = wants_grad(src);
    const bool want_weights = wants_grad(weights);
    const bool want_bias = has_bias && wants_grad(bias);

    // 1. Inputs into the forward's layouts; dst straight into its plain home when it can be.
    Tensor src_storage;
    Tensor weights_storage;
    Tensor dst_storage;
    const memory src_memory = prims.src.source(wrap(src), src_storage);
    const memory weights_memory = prims.weights.source(wrap(weights), weights_storage);
    Tensor dst = Tensor::empty(g.dst);
    const memory dst_memory = prims.dst.staging(dst, dst_storage);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src_memory}, {DNNL_ARG_WEIGHTS, weights_memory}, {DNNL_ARG_DST, dst_memory}};
    if (g.bias_inside) args.emplace(DNNL_ARG_BIAS, wrap(bias));
    prims.forward.execute(stream(), args);

    // 2. Back to plain, then the bias the primitive left out.
    prims.dst.finish(dst_memory, dst);
    stream().wait();
    if (has_bias && !g.bias_inside) add_channel_bias(dst, bias);

    // 3. Backward keeps the src already in the forward's layout, so backward-weights does not
    //    reorder it again, and only when it will compute the weights gradient.
    std::vector<Tensor> srcs{src, weights};
    if (has_bias) srcs.push_back(bias);
    const bool need_weights_pass = want_weights || (want_bias && g.bias_inside);
    const Tensor saved_src = need_weights_pass ? src.detach() : Tensor();
    const memory saved_src_memory = need_weights_pass ? src_memory : memory();
    // Holds the storage saved_src_memory may live in.
    const Tensor saved_src_storage = need_weights_pass ? src_storage : Tensor();
    const Tensor saved_weights = want_src ? weights.detach() : Tensor();
    return record(
        op, dst, std::move(srcs),
        [&prims, src_shape = g.src, weights_shape = g.weights, bias_inside = g.bias_inside,
         saved_src, saved_src_memory, saved_src_storage, saved_weights, has_bias, want_src,
         want_bias, need_weights_pass](const Tensor& diff_dst) {
            std::vector<Tensor> diffs(has_bias ? 3 : 2);
            const memory plain_diff_dst = wrap(diff_dst);
            // Storage of the reordered copies, alive until the stream has finished.
            Tensor diff_dst_storage;
            Tensor diff_src_storage;
            Tensor weights_storage;
            Tensor weights_src_storage;
            Tensor weights_diff_dst_storage;
            Tensor diff_weights_storage;

            memory data_diff_dst;
            if (want_src) {
                data_diff_dst = prims.data_diff_dst.source(plain_diff_dst, diff_dst_storage);
                diffs[0] = Tensor::empty(src_shape);
                const memory diff_src = prims.diff_src.staging(diffs[0], diff_src_storage);
                prims.backward_data.execute(
                    stream(),
                    {{DNNL_ARG_DIFF_DST, data_diff_dst},
                     {DNNL_ARG_WEIGHTS,
                      prims.data_weights.source(wrap(saved_weights), weights_storage)},
                     {DNNL_ARG_DIFF_SRC, diff_src}});
                prims.diff_src.finish(diff_src, diffs[0]);
            }

            if (need_weights_pass) {
                const bool reuse =
                    data_diff_dst && data_diff_dst.get_desc() == prims.weights_diff_dst.to();
                diffs[1] = Tensor::empty(weights_shape);
                const memory diff_weights =
                    prims.diff_weights.staging(diffs[1], diff_weights_storage);
                std::unordered_map<int, memory> args{
                    {DNNL_ARG_SRC, prims.weights_src.source(saved_src_memory, weights_src_storage)},
                    {DNNL_ARG_DIFF_DST,
                     reuse ? data_diff_dst
                           : prims.weights_diff_dst.source(plain_diff_dst,
                                                           weights_diff_dst_storage)},
                    {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
                if (bias_inside) {
                    diffs[2] = Tensor::empty(Shape{weights_shape[0]});
                    args.emplace(DNNL_ARG_DIFF_BIAS, wrap(diffs[2]));
                }
                prims.backward_weights.execute(stream(), args);
                prims.diff_weights.finish(diff_weights, diffs[1]);
            }
            stream().wait();

            if (want_bias && !bias_inside) diffs[2] = channel_sums(diff_dst);
            return diffs;
        });
}

// Ranks, channels and bias size, checked before oneDNN sees them.
void check_operands(const char* op, const Tensor& src, const Tensor& weights, const Tensor& bias) {
    const std::string shapes =
        detail::concat("src ", src.shape().str(), " and weights ", weights.shape().str());
    if (src.rank() != 4 || weights.rank() != 4) {
        throw ShapeError(
            detail::concat(op, ": ", shapes,
                           ": src must be [N, C, H, W] and weights [out channels, in channels, "
                           "kH, kW], both of rank 4"));
    }
    if (src.dim(1) != weights.dim(1)) {
        throw ShapeError(detail::concat(op, ": ", shapes, ": src has ", src.dim(1),
                                        " channels but the weights expect ", weights.dim(1)));
    }
    if (bias.defined() && (bias.rank() != 1 || bias.dim(0) != weights.dim(0))) {
        throw ShapeError(detail::concat(op, ": bias ", bias.shape().str(), " with ", shapes,
                                        ": bias must be [", weights.dim(0),
                                        "], one value per output channel"));
    }
}

void check_settings(const char* op, int stride, int padding, int dilation) {
    if (stride < 1 || dilation < 1 || padding < 0) {
        throw ShapeError(detail::concat(op, ": stride ", stride, ", dilation ", dilation,
                                        " and padding ", padding,
                                        ": stride and dilation must be at least 1 and padding "
                                        "at least 0"));
    }
}

void check_dst(const char* op, const Tensor& src, const Tensor& weights, int64_t height,
               int64_t width, const std::string& settings) {
    if (height <= 0 || width <= 0) {
        throw ShapeError(detail::concat(op, ": src ", src.shape().str(), " and weights ",
                                        weights.shape().str(), " with ", settings,
                                        " give an output of ", height, "x", width,
                                        "; use a larger src, more padding or a smaller kernel"));
    }
}

}  // namespace

int64_t conv2d_output_size(int64_t src_size, int kernel, const Conv2dOptions& options) {
    const int64_t span =
        src_size + 2 * options.padding - static_cast<int64_t>(options.dilation) * (kernel - 1) - 1;
    return span < 0 ? 0 : span / options.stride + 1;
}

int64_t conv_transpose2d_output_size(int64_t src_size, int kernel,
                                     const ConvTranspose2dOptions& options) {
    return (src_size - 1) * options.stride - 2 * options.padding +
           static_cast<int64_t>(options.dilation) * (kernel - 1) + options.output_padding + 1;
}

Tensor conv2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
              const Conv2dOptions& options) {
    check_operands("conv2d", src, weights, bias);
    check_settings("conv2d", options.stride, options.padding, options.dilation);
    const int64_t height =
        conv2d_output_size(src.dim(2), static_cast<int>(weights.dim(2)), options);
    const int64_t width = conv2d_output_size(src.dim(3), static_cast<int>(weights.dim(3)), options);
    check_dst("conv2d", src, weights, height, width,
              detail::concat("stride ", options.stride, ", padding ", options.padding,
                             ", dilation ", options.dilation));

    const memory::dim padding = options.padding;
    Geometry g;
    g.src = src.shape();
    g.weights = weights.shape();
    g.dst = Shape{src.dim(0), weights.dim(0), height, width};
    g.strides = {options.stride, options.stride};
    g.dilates = {options.dilation - 1, options.dilation - 1};
    g.padding_l = {padding, padding};
    g.padding_r = {padding, padding};
    g.bias_inside = bias.defined();
    g.plain_src = src.dim(1) <= kPlainMaxChannels;
    g.plain_dst = weights.dim(0) <= kPlainMaxChannels;
    return run<ConvolutionKind>("conv2d", g, src, weights, bias);
}

Tensor conv_transpose2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
                        const ConvTranspose2dOptions& options) {
    const char* op = "conv_transpose2d";
    check_operands(op, src, weights, bias);
    check_settings(op, options.stride, options.padding, options.dilation);
    const std::string settings = detail::concat(
        "stride ", options.stride, ", padding ", options.padding, ", output_padding ",
        options.output_padding, ", dilation ", options.dilation);
    if (options.output_padding < 0 ||
        options.output_padding >= std::max(options.stride, options.dilation)) {
        throw ShapeError(detail::concat(op, ": ", settings,
                                        ": output_padding must be at least 0 and smaller than "
                                        "the stride or the dilation"));
    }
    const int64_t height =
        conv_transpose2d_output_size(src.dim(2), static_cast<int>(weights.dim(2)), options);
    const int64_t width =
        conv_transpose2d_output_size(src.dim(3), static_cast<int>(weights.dim(3)), options);
    check_dst(op, src, weights, height, width, settings);

    // The extra bottom/right rows of output_padding are oneDNN's asymmetric right padding.
    const memory::dim padding_l = options.padding;
    const memory::dim padding_r = options.padding - options.output_padding;
    Geometry g;
    g.src = src.shape();
    g.weights = weights.shape();
    g.dst = Shape{src.dim(0), weights.dim(0), height, width};
    g.strides = {options.stride, options.stride};
    g.dilates = {options.dilation - 1, options.dilation - 1};
    g.padding_l = {padding_l, padding_l};
    g.padding_r = {padding_r, padding_r};
    // A bias inside a deconvolution primitive made it more than 10x slower here; it is added
    // on the plain dst instead.
    g.bias_inside = false;
    g.plain_src = src.dim(1) <= kPlainMaxChannels;
    g.plain_dst = weights.dim(0) <= kPlainMaxChannels;
    return run<DeconvolutionKind>(op, g, src, weights, bias);
}

}  // namespace selfsup::ops

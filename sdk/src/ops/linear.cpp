#include "selfsup/ops/linear.hpp"

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using dnnl::memory;
using namespace dnnl_support;

struct InnerProductPrimitives {
    dnnl::inner_product_forward forward;
    dnnl::inner_product_backward_data backward_data;
    dnnl::inner_product_backward_weights backward_weights;
};

// Plain layouts throughout: the tensors at the boundary are plain 2-D, for which oneDNN runs
// the inner product as a GEMM with no reorder on either side.
InnerProductPrimitives& inner_product(const Shape& src, const Shape& weights, bool has_bias) {
    const std::string key =
        detail::concat("linear:", key_of(src), ":", key_of(weights), ":b", has_bias);
    return PrimitiveCache::instance().get<InnerProductPrimitives>(key, [&] {
        const memory::desc src_md = plain_md(src);
        const memory::desc weights_md = plain_md(weights);
        const memory::desc bias_md = has_bias ? plain_md(Shape{weights[0]}) : memory::desc();
        const memory::desc dst_md = plain_md(Shape{src[0], weights[0]});

        // 1. Forward, then both backward passes hinted by it.
        dnnl::inner_product_forward::primitive_desc forward_pd(
            {dnnl::prop_kind::forward_training, src_md, weights_md, bias_md, dst_md}, engine());
        dnnl::inner_product_backward_data::primitive_desc data_pd({src_md, weights_md, dst_md},
                                                                  engine(), forward_pd);
        dnnl::inner_product_backward_weights::primitive_desc weights_pd(
            {src_md, weights_md, bias_md, dst_md}, engine(), forward_pd);
        return InnerProductPrimitives{dnnl::inner_product_forward(forward_pd),
                                      dnnl::inner_product_backward_data(data_pd),
                                      dnnl::inner_product_backward_weights(weights_pd)};
    });
}

struct MatmulPrimitives {
    dnnl::matmul forward;
    dnnl::matmul diff_lhs;  // diff_dst x rhs^T
    dnnl::matmul diff_rhs;  // lhs^T x diff_dst
    memory::desc rhs_transposed;
    memory::desc lhs_transposed;
};

// A row-major [batch,] rows x cols matrix read as its transpose, through strides alone.
memory::desc transposed_md(const Shape& shape) {
    const memory::dim rows = shape[shape.rank() - 2];
    const memory::dim cols = shape[shape.rank() - 1];
    if (shape.rank() == 2) return memory::desc({cols, rows}, memory::data_type::f32, {1, cols});
    return memory::desc({shape[0], cols, rows}, memory::data_type::f32, {rows * cols, 1, cols});
}

MatmulPrimitives& matmul_primitives(const Shape& lhs, const Shape& rhs, const Shape& dst) {
    const std::string key = detail::concat("matmul:", key_of(lhs), ":", key_of(rhs));
    return PrimitiveCache::instance().get<MatmulPrimitives>(key, [&] {
        const memory::desc lhs_md = plain_md(lhs);
        const memory::desc rhs_md = plain_md(rhs);
        const memory::desc dst_md = plain_md(dst);
        const memory::desc rhs_t = transposed_md(rhs);
        const memory::desc lhs_t = transposed_md(lhs);
        const auto make = [](const memory::desc& a, const memory::desc& b, const memory::desc& c) {
            return dnnl::matmul(dnnl::matmul::primitive_desc({a, b, c}, engine()));
        };
        // diff_lhs = diff_dst x rhs^T and diff_rhs = lhs^T x diff_dst, with the transposes
        // being strided views of the saved operands rather than copies.
        return MatmulPrimitives{make(lhs_md, rhs_md, dst_md), make(dst_md, rhs_t, lhs_md),
                                make(lhs_t, dst_md, rhs_md), rhs_t, lhs_t};
    });
}

}  // namespace

Tensor linear(const Tensor& src, const Tensor& weights, const Tensor& bias) {
    // 1. Shapes, before oneDNN sees them.
    const std::string shapes =
        detail::concat("src ", src.shape().str(), " and weights ", weights.shape().str());
    if (src.rank() != 2 || weights.rank() != 2) {
        throw ShapeError(detail::concat("linear: ", shapes,
                                        ": src must be [N, in] and weights [out, in]; flatten "
                                        "the src first"));
    }
    if (src.dim(1) != weights.dim(1)) {
        throw ShapeError(detail::concat("linear: ", shapes, ": src has ", src.dim(1),
                                        " features but the weights expect ", weights.dim(1)));
    }
    const bool has_bias = bias.defined();
    if (has_bias && (bias.rank() != 1 || bias.dim(0) != weights.dim(0))) {
        throw ShapeError(detail::concat("linear: bias ", bias.shape().str(), " with ", shapes,
                                        ": bias must be [", weights.dim(0), "]"));
    }

    // 2. Forward.
    InnerProductPrimitives& prims = inner_product(src.shape(), weights.shape(), has_bias);
    Tensor dst = Tensor::empty(Shape{src.dim(0), weights.dim(0)});
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, wrap(src)}, {DNNL_ARG_WEIGHTS, wrap(weights)}, {DNNL_ARG_DST, wrap(dst)}};
    if (has_bias) args.emplace(DNNL_ARG_BIAS, wrap(bias));
    prims.forward.execute(stream(), args);
    stream().wait();

    // 3. Backward: data from the weights, weights (and bias) from the src.
    const bool want_src = wants_grad(src);
    const bool want_params = wants_grad(weights) || (has_bias && wants_grad(bias));
    const Tensor saved_src = want_params ? src.detach() : Tensor();
    const Tensor saved_weights = want_src ? weights.detach() : Tensor();
    std::vector<Tensor> srcs{src, weights};
    if (has_bias) srcs.push_back(bias);
    return record(
        "linear", dst, std::move(srcs),
        [&prims, saved_src, saved_weights, has_bias, want_src, want_params, src_shape = src.shape(),
         weights_shape = weights.shape()](const Tensor& diff_dst) {
            std::vector<Tensor> diffs(has_bias ? 3 : 2);
            if (want_src) {
                diffs[0] = Tensor::empty(src_shape);
                prims.backward_data.execute(stream(), {{DNNL_ARG_DIFF_DST, wrap(diff_dst)},
                                                       {DNNL_ARG_WEIGHTS, wrap(saved_weights)},
                                                       {DNNL_ARG_DIFF_SRC, wrap(diffs[0])}});
            }
            if (want_params) {
                diffs[1] = Tensor::empty(weights_shape);
                std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(saved_src)},
                                                     {DNNL_ARG_DIFF_DST, wrap(diff_dst)},
                                                     {DNNL_ARG_DIFF_WEIGHTS, wrap(diffs[1])}};
                if (has_bias) {
                    diffs[2] = Tensor::empty(Shape{weights_shape[0]});
                    args.emplace(DNNL_ARG_DIFF_BIAS, wrap(diffs[2]));
                }
                prims.backward_weights.execute(stream(), args);
            }
            stream().wait();
            return diffs;
        });
}

Tensor matmul(const Tensor& lhs, const Tensor& rhs) {
    // 1. Shapes: both 2-D, or both 3-D with one batch size; inner dimensions agree.
    const std::string shapes =
        detail::concat("lhs ", lhs.shape().str(), " and rhs ", rhs.shape().str());
    const int rank = lhs.rank();
    if ((rank != 2 && rank != 3) || rhs.rank() != rank) {
        throw ShapeError(detail::concat("matmul: ", shapes,
                                        ": both must be [M, K] x [K, N] or [B, M, K] x [B, K, N]"));
    }
    if (lhs.dim(-1) != rhs.dim(-2)) {
        throw ShapeError(detail::concat("matmul: ", shapes, ": inner dimensions ", lhs.dim(-1),
                                        " and ", rhs.dim(-2), " differ"));
    }
    if (rank == 3 && lhs.dim(0) != rhs.dim(0)) {
        throw ShapeError(detail::concat("matmul: ", shapes, ": batch sizes ", lhs.dim(0), " and ",
                                        rhs.dim(0), " differ"));
    }
    Shape dst_shape =
        rank == 2 ? Shape{lhs.dim(0), rhs.dim(1)} : Shape{lhs.dim(0), lhs.dim(1), rhs.dim(2)};

    // 2. Forward.
    MatmulPrimitives& prims = matmul_primitives(lhs.shape(), rhs.shape(), dst_shape);
    Tensor dst = Tensor::empty(dst_shape);
    prims.forward.execute(
        stream(),
        {{DNNL_ARG_SRC, wrap(lhs)}, {DNNL_ARG_WEIGHTS, wrap(rhs)}, {DNNL_ARG_DST, wrap(dst)}});
    stream().wait();

    // 3. Backward: each operand's gradient needs the other operand.
    const bool want_lhs = wants_grad(lhs);
    const bool want_rhs = wants_grad(rhs);
    const Tensor saved_lhs = want_rhs ? lhs.detach() : Tensor();
    const Tensor saved_rhs = want_lhs ? rhs.detach() : Tensor();
    return record("matmul", dst, {lhs, rhs},
                  [&prims, saved_lhs, saved_rhs, want_lhs, want_rhs, lhs_shape = lhs.shape(),
                   rhs_shape = rhs.shape()](const Tensor& diff_dst) {
                      std::vector<Tensor> diffs(2);
                      if (want_lhs) {
                          diffs[0] = Tensor::empty(lhs_shape);
                          prims.diff_lhs.execute(
                              stream(), {{DNNL_ARG_SRC, wrap(diff_dst)},
                                         {DNNL_ARG_WEIGHTS, wrap(saved_rhs, prims.rhs_transposed)},
                                         {DNNL_ARG_DST, wrap(diffs[0])}});
                      }
                      if (want_rhs) {
                          diffs[1] = Tensor::empty(rhs_shape);
                          prims.diff_rhs.execute(
                              stream(), {{DNNL_ARG_SRC, wrap(saved_lhs, prims.lhs_transposed)},
                                         {DNNL_ARG_WEIGHTS, wrap(diff_dst)},
                                         {DNNL_ARG_DST, wrap(diffs[1])}});
                      }
                      stream().wait();
                      return diffs;
                  });
}

}  // namespace selfsup::ops

#include "selfsup/autograd.hpp"

#include <unordered_map>
#include <unordered_set>

#include "selfsup/errors.hpp"
#include "tensor_impl.hpp"

namespace selfsup {

namespace {

thread_local bool grad_mode = true;

// Sum of two gradients of one shape, in new storage: gradients handed to the
// engine may be views of other tensors, so they are never added to in place.
Tensor summed(const Tensor& lhs, const Tensor& rhs) {
    Tensor sum = Tensor::empty(lhs.shape());
    const float* a = lhs.data();
    const float* b = rhs.data();
    float* dst = sum.data();
    const int64_t count = lhs.numel();
#pragma omp parallel for simd if (count > 65536) schedule(static)
    for (int64_t i = 0; i < count; ++i) dst[i] = a[i] + b[i];
    return sum;
}

void accumulate(Tensor& slot, const Tensor& grad) {
    slot = slot.defined() ? summed(slot, grad) : grad;
}

// Tensors reachable from `root` through grad_fn edges, each after every tensor
// that consumes it (reverse topological order). Iterative, so deep graphs
// cannot overflow the stack. Holding handles (not raw pointers) keeps every
// tensor alive while backward releases the grad_fns that referenced it.
std::vector<Tensor> backward_order(const Tensor& root) {
    static const std::vector<Tensor> kNoSrcs;
    std::vector<Tensor> post_order;
    std::unordered_set<const TensorImpl*> visited{root.id()};
    std::vector<std::pair<Tensor, size_t>> stack{{root, 0}};
    while (!stack.empty()) {
        const TensorImpl* node = stack.back().first.id();
        const auto& srcs = node->grad_fn ? node->grad_fn->srcs : kNoSrcs;
        const size_t next_src = stack.back().second++;
        if (next_src < srcs.size()) {
            const Tensor& src = srcs[next_src];
            if (src.requires_grad() && visited.insert(src.id()).second) {
                stack.emplace_back(src, 0);
            }
        } else {
            post_order.push_back(std::move(stack.back().first));
            stack.pop_back();
        }
    }
    return {post_order.rbegin(), post_order.rend()};
}

}  // namespace

bool grad_mode_enabled() { return grad_mode; }

NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

bool wants_grad(const Tensor& src) { return src.defined() && src.requires_grad(); }

Tensor record(const char* op_name, Tensor dst, std::vector<Tensor> srcs, BackwardFn backward) {
    if (!grad_mode) return dst;
    bool any = false;
    for (const Tensor& src : srcs) any = any || wants_grad(src);
    if (!any) return dst;
    TensorImpl* impl = dst.impl();
    SELFSUP_CHECK(impl->grad_fn == nullptr, op_name, " recorded twice on one tensor");
    impl->requires_grad = true;
    impl->grad_fn = std::make_shared<GradFn>(GradFn{op_name, std::move(srcs), std::move(backward)});
    return dst;
}

void Tensor::backward() const {
    TensorImpl* root = impl();
    SELFSUP_CHECK(root != nullptr, "backward() on an undefined Tensor");
    if (numel() != 1) {
        throw ShapeError(detail::concat("backward() starts from a scalar loss, got shape ",
                                        shape().str(), "; reduce it with sum() or mean() first"));
    }
    if (root->graph_released) {
        throw InternalError("backward() through a graph that an earlier backward() released");
    }
    if (!root->requires_grad) {
        throw InternalError(
            "backward() on a tensor that does not require a gradient: no input of the ops "
            "that made it requires one (or it was computed under NoGradGuard)");
    }

    NoGradGuard no_grad;
    std::unordered_map<TensorImpl*, Tensor> diffs;
    diffs[root] = Tensor::full(shape(), 1.0f);
    for (const Tensor& handle : backward_order(*this)) {
        TensorImpl* node = handle.impl();
        auto found = diffs.find(node);
        if (found == diffs.end()) continue;
        Tensor diff_dst = std::move(found->second);
        diffs.erase(found);
        if (!node->grad_fn) {
            accumulate(node->grad, diff_dst);
            continue;
        }
        std::shared_ptr<GradFn> grad_fn = std::move(node->grad_fn);
        node->graph_released = true;
        std::vector<Tensor> diff_srcs = grad_fn->backward(diff_dst);
        SELFSUP_CHECK(diff_srcs.size() == grad_fn->srcs.size(), grad_fn->op_name,
                      " backward returned ", diff_srcs.size(), " gradients for ",
                      grad_fn->srcs.size(), " inputs");
        for (size_t i = 0; i < diff_srcs.size(); ++i) {
            const Tensor& src = grad_fn->srcs[i];
            if (!wants_grad(src)) continue;
            SELFSUP_CHECK(diff_srcs[i].defined(), grad_fn->op_name,
                          " backward returned no gradient for input ", i);
            if (diff_srcs[i].shape() != src.shape()) {
                throw InternalError(detail::concat(
                    grad_fn->op_name, " backward: gradient of shape ", diff_srcs[i].shape().str(),
                    " for input ", i, " of shape ", src.shape().str()));
            }
            accumulate(diffs[src.impl()], diff_srcs[i]);
        }
    }
}

}  // namespace selfsup

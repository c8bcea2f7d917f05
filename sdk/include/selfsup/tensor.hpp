#pragma once

// Tensor: a float32 array of rank 0 to 4 (N, C, H, W), contiguous in row-major
// (plain) order, in 64-byte aligned storage, plus what reverse-mode autograd
// needs (whether it requires a gradient, its gradient, and the op that made it).
//
// A Tensor is a cheap handle: copies share the same tensor. Views made by
// reshape(), detach() and alias() share storage with their source, so writing
// through one is visible through the other. An undefined Tensor (the default)
// holds nothing; every accessor except defined() then throws InternalError.
//
// Thread safety: distinct tensors may be used from distinct threads; one tensor
// must not be written from one thread while another reads it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/shape.hpp"

namespace selfsup {

struct TensorImpl;

class SELFSUP_API Tensor {
public:
    Tensor() = default;

    // New storage of the given shape: uninitialised, zero, or filled.
    static Tensor empty(const Shape& shape);
    static Tensor zeros(const Shape& shape);
    static Tensor full(const Shape& shape, float value);
    // A copy of `values`; throws ShapeError when their count is not shape.numel().
    static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
    static Tensor scalar(float value);

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    int rank() const { return shape().rank(); }
    // Size of dimension `axis`; negative axes count from the end.
    int64_t dim(int axis) const;
    int64_t numel() const { return shape().numel(); }

    float* data();
    const float* data() const;
    // The only element of a one-element tensor; throws ShapeError otherwise.
    float item() const;
    std::vector<float> to_vector() const;

    // A new tensor with its own copy of the data, outside any autograd graph.
    Tensor clone() const;
    // Shares storage, outside any autograd graph (requires_grad() is false).
    Tensor detach() const;
    // Shares storage, reinterpreted with `shape` from element `offset` on;
    // outside any autograd graph. Throws ShapeError when it would run past the
    // storage. Ops use it to build cheap views.
    Tensor alias(const Shape& shape, int64_t offset = 0) const;
    // True when both views read the same storage.
    bool shares_storage_with(const Tensor& other) const;

    // Autograd. Only leaf tensors (made by the user, not by an op) may change
    // requires_grad; parameters are leaves.
    bool requires_grad() const;
    Tensor& set_requires_grad(bool on);
    bool is_leaf() const;
    // Name of the op that produced this tensor, or "" for a leaf.
    std::string producer() const;
    // The accumulated gradient, or an undefined Tensor before any backward().
    Tensor grad() const;
    void set_grad(const Tensor& grad);
    void zero_grad();
    // Reverse-mode differentiation from this scalar (one-element) tensor:
    // adds d(this)/d(leaf) into the grad() of every leaf that requires a
    // gradient. The graph behind this tensor is released afterwards, so a
    // second backward() through it throws InternalError.
    void backward() const;

    // Identity of the underlying tensor, for maps keyed by tensor.
    const TensorImpl* id() const { return impl_.get(); }
    TensorImpl* impl() const { return impl_.get(); }
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

private:
    std::shared_ptr<TensorImpl> impl_;
};

}  // namespace selfsup

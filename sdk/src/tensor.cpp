#include "selfsup/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "selfsup/errors.hpp"
#include "tensor_impl.hpp"

namespace selfsup {

namespace {

constexpr int64_t kAlignment = 64;

TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
    SELFSUP_CHECK(impl != nullptr, "use of an undefined Tensor");
    return *impl;
}

// Freed buffers, kept by size for reuse. A training step makes tensors of the
// same sizes every time, so after the first step storage comes from here:
// no calls into malloc, and no page faults on fresh memory. Memory is held at
// the peak the process reached, never returned.
class BufferPool {
public:
    float* acquire(size_t bytes) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = free_.find(bytes);
            if (found != free_.end() && !found->second.empty()) {
                float* buffer = found->second.back();
                found->second.pop_back();
                return buffer;
            }
        }
        auto* buffer = static_cast<float*>(std::aligned_alloc(kAlignment, bytes));
        if (buffer == nullptr) throw std::bad_alloc();
        return buffer;
    }

    void release(float* buffer, size_t bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_[bytes].push_back(buffer);
    }

    static BufferPool& instance() {
        // Never destroyed: tensors in static storage may outlive any pool.
        static BufferPool* pool = new BufferPool;
        return *pool;
    }

private:
    std::mutex mutex_;
    std::unordered_map<size_t, std::vector<float*>> free_;
};

size_t bytes_for(int64_t count) {
    const int64_t bytes = std::max<int64_t>(count, 1) * static_cast<int64_t>(sizeof(float));
    return static_cast<size_t>((bytes + kAlignment - 1) / kAlignment * kAlignment);
}

}  // namespace

Storage::Storage(int64_t count)
    : data(BufferPool::instance().acquire(bytes_for(count))), size(count) {}

Storage::~Storage() { BufferPool::instance().release(data, bytes_for(size)); }

Tensor Tensor::empty(const Shape& shape) {
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = shape;
    impl->storage = std::make_shared<Storage>(shape.numel());
    return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.0f); }

Tensor Tensor::full(const Shape& shape, float value) {
    Tensor tensor = empty(shape);
    std::fill_n(tensor.data(), shape.numel(), value);
    return tensor;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
    if (static_cast<int64_t>(values.size()) != shape.numel()) {
        throw ShapeError(detail::concat("Tensor::from_vector: ", values.size(),
                                        " values cannot fill shape ", shape.str(), " (",
                                        shape.numel(), " elements)"));
    }
    Tensor tensor = empty(shape);
    std::memcpy(tensor.data(), values.data(), values.size() * sizeof(float));
    return tensor;
}

Tensor Tensor::scalar(float value) { return full(Shape{}, value); }

const Shape& Tensor::shape() const { return checked(impl_).shape; }

int64_t Tensor::dim(int axis) const {
    const Shape& own = shape();
    const int resolved = axis < 0 ? axis + own.rank() : axis;
    if (resolved < 0 || resolved >= own.rank()) {
        throw ShapeError(detail::concat("axis ", axis, " is out of range for shape ", own.str()));
    }
    return own[resolved];
}

float* Tensor::data() { return checked(impl_).data(); }
const float* Tensor::data() const { return checked(impl_).data(); }

float Tensor::item() const {
    if (numel() != 1) {
        throw ShapeError(detail::concat("item() needs a one-element tensor, got shape ",
                                        shape().str()));
    }
    return data()[0];
}

std::vector<float> Tensor::to_vector() const { return {data(), data() + numel()}; }

Tensor Tensor::clone() const {
    Tensor copy = empty(shape());
    std::memcpy(copy.data(), data(), static_cast<size_t>(numel()) * sizeof(float));
    return copy;
}

Tensor Tensor::detach() const { return alias(shape(), 0); }

Tensor Tensor::alias(const Shape& shape, int64_t offset) const {
    const TensorImpl& own = checked(impl_);
    const int64_t start = own.offset + offset;
    if (offset < 0 || start + shape.numel() > own.storage->size) {
        throw ShapeError(detail::concat("view of shape ", shape.str(), " at offset ", offset,
                                        " runs past a tensor of shape ", own.shape.str()));
    }
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = shape;
    impl->storage = own.storage;
    impl->offset = start;
    return Tensor(std::move(impl));
}

bool Tensor::shares_storage_with(const Tensor& other) const {
    return checked(impl_).storage == checked(other.impl_).storage;
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
    TensorImpl& own = checked(impl_);
    if (own.grad_fn != nullptr) {
        throw InternalError(detail::concat(
            "set_requires_grad: only leaf tensors can change it; this one was made by ",
            own.grad_fn->op_name, " (use detach() for a leaf that shares its data)"));
    }
    own.requires_grad = on;
    return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }

std::string Tensor::producer() const {
    const TensorImpl& own = checked(impl_);
    return own.grad_fn ? own.grad_fn->op_name : "";
}

Tensor Tensor::grad() const { return checked(impl_).grad; }

void Tensor::set_grad(const Tensor& grad) {
    if (grad.defined() && grad.shape() != shape()) {
        throw ShapeError(detail::concat("set_grad: gradient of shape ", grad.shape().str(),
                                        " for a tensor of shape ", shape().str()));
    }
    checked(impl_).grad = grad;
}

void Tensor::zero_grad() { checked(impl_).grad = Tensor(); }

}  // namespace selfsup

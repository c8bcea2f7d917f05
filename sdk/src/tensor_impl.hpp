#pragma once

// What a Tensor handle points at. Private to the SDK.

#include <memory>
#include <string>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

// 64-byte aligned float storage shared by a tensor and its views.
struct Storage {
    explicit Storage(int64_t size);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    float* data;
    int64_t size;
};

// The op that produced a tensor, with the inputs its backward differentiates.
struct GradFn {
    const char* op_name;
    std::vector<Tensor> srcs;
    BackwardFn backward;
};

struct TensorImpl {
    Shape shape;
    std::shared_ptr<Storage> storage;
    int64_t offset = 0;
    bool requires_grad = false;
    Tensor grad;
    std::shared_ptr<GradFn> grad_fn;
    // Set once backward() has released this tensor's graph.
    bool graph_released = false;

    float* data() const { return storage->data + offset; }
};

}  // namespace selfsup

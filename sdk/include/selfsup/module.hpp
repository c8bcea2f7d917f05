#pragma once

// Module: a piece of a network with named parameters, named buffers (state
// that is saved but not trained, such as batch-norm running statistics) and
// named sub-modules. Names compose with dots: "encoder.0.weight".
//
// A module owns its parameters and sub-modules; tensors returned by
// parameters() share storage with them, so an optimizer updates the module in
// place. Modules are not thread-safe.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

struct NamedTensor {
    std::string name;
    Tensor tensor;
};

class SELFSUP_API Module {
public:
    virtual ~Module();
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    virtual Tensor forward(const Tensor& src) = 0;
    Tensor operator()(const Tensor& src) { return forward(src); }

    // Recursive, in registration order, sub-modules after own entries.
    std::vector<NamedTensor> named_parameters() const;
    std::vector<NamedTensor> named_buffers() const;
    std::vector<Tensor> parameters() const;
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
        return children_;
    }
    // Total elements of all parameters.
    int64_t parameter_count() const;

    // Training or evaluation mode, for this module and every sub-module.
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // Marks every parameter as trainable or frozen (requires_grad).
    void set_requires_grad(bool on);
    void zero_grad();

protected:
    // Registration makes a parameter trainable (requires_grad true). The
    // returned reference is valid only until the next registration: keep a
    // copy of the handle (it shares storage), not the reference.
    Tensor& register_parameter(std::string name, Tensor tensor);
    Tensor& register_buffer(std::string name, Tensor tensor);
    template <typename M>
    std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
        children_.emplace_back(std::move(name), module);
        return module;
    }

private:
    void collect(const std::string& prefix, bool parameters, std::vector<NamedTensor>& out) const;

    std::vector<NamedTensor> parameters_;
    std::vector<NamedTensor> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

// Modules applied one after another; children are named "0", "1", ...
class SELFSUP_API Sequential : public Module {
public:
    Sequential() = default;
    explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
    ~Sequential() override;

    Sequential& add(std::shared_ptr<Module> layer);
    size_t size() const { return children().size(); }
    Module& operator[](size_t index) const { return *children()[index].second; }
    Tensor forward(const Tensor& src) override;
};

// Copies every parameter and buffer of `from` into the same-named one of `to`.
// Both must come from one spec (same names and shapes, in the same order);
// otherwise InternalError naming the first difference.
SELFSUP_API void copy_state(const Module& from, Module& to);

}  // namespace selfsup

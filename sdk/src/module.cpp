#include "selfsup/module.hpp"

#include <cstring>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

void copy_named(const std::vector<NamedTensor>& from, const std::vector<NamedTensor>& to) {
    SELFSUP_CHECK(from.size() == to.size(), "copy_state between modules of different specs: ",
                  from.size(), " and ", to.size(), " tensors");
    for (size_t i = 0; i < from.size(); ++i) {
        SELFSUP_CHECK(from[i].name == to[i].name && from[i].tensor.shape() == to[i].tensor.shape(),
                      "copy_state: ", from[i].name, " ", from[i].tensor.shape().str(), " into ",
                      to[i].name, " ", to[i].tensor.shape().str());
        Tensor destination = to[i].tensor;
        std::memcpy(destination.data(), from[i].tensor.data(),
                    static_cast<size_t>(from[i].tensor.numel()) * sizeof(float));
    }
}

}  // namespace

Module::~Module() = default;

std::vector<NamedTensor> Module::named_parameters() const {
    std::vector<NamedTensor> out;
    collect("", true, out);
    return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
    std::vector<NamedTensor> out;
    collect("", false, out);
    return out;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (NamedTensor& entry : named_parameters()) out.push_back(std::move(entry.tensor));
    return out;
}

int64_t Module::parameter_count() const {
    int64_t count = 0;
    for (const NamedTensor& entry : named_parameters()) count += entry.tensor.numel();
    return count;
}

void Module::train(bool on) {
    training_ = on;
    for (auto& [name, child] : children_) child->train(on);
}

void Module::set_requires_grad(bool on) {
    for (NamedTensor& entry : named_parameters()) entry.tensor.set_requires_grad(on);
}

void Module::zero_grad() {
    for (NamedTensor& entry : named_parameters()) entry.tensor.zero_grad();
}

Tensor& Module::register_parameter(std::string name, Tensor tensor) {
    SELFSUP_CHECK(tensor.defined(), "parameter ", name, " is undefined");
    // Parameters are trained by default; freezing is set_requires_grad(false).
    tensor.set_requires_grad(true);
    parameters_.push_back({std::move(name), std::move(tensor)});
    return parameters_.back().tensor;
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
    SELFSUP_CHECK(tensor.defined(), "buffer ", name, " is undefined");
    buffers_.push_back({std::move(name), std::move(tensor)});
    return buffers_.back().tensor;
}

void Module::collect(const std::string& prefix, bool parameters,
                     std::vector<NamedTensor>& out) const {
    for (const NamedTensor& entry : parameters ? parameters_ : buffers_) {
        out.push_back({prefix + entry.name, entry.tensor});
    }
    for (const auto& [name, child] : children_) {
        child->collect(prefix + name + ".", parameters, out);
    }
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) {
    for (auto& layer : layers) add(std::move(layer));
}

Sequential::~Sequential() = default;

Sequential& Sequential::add(std::shared_ptr<Module> layer) {
    SELFSUP_CHECK(layer != nullptr, "Sequential::add of a null module");
    register_module(std::to_string(size()), std::move(layer));
    return *this;
}

Tensor Sequential::forward(const Tensor& src) {
    Tensor dst = src;
    for (const auto& [name, child] : children()) dst = child->forward(dst);
    return dst;
}

void copy_state(const Module& from, Module& to) {
    copy_named(from.named_parameters(), to.named_parameters());
    copy_named(from.named_buffers(), to.named_buffers());
}

}  // namespace selfsup

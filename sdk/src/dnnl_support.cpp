#include "dnnl_support.hpp"

#include "selfsup/errors.hpp"

namespace selfsup::dnnl_support {

using dnnl::memory;

dnnl::engine& engine() {
    static dnnl::engine instance(dnnl::engine::kind::cpu, 0);
    return instance;
}

dnnl::stream& stream() {
    static dnnl::stream instance(engine());
    return instance;
}

memory::dims dims_of(const Shape& shape) { return {shape.begin(), shape.end()}; }

memory::desc plain_md(const memory::dims& dims) {
    static const memory::format_tag tags[] = {memory::format_tag::a, memory::format_tag::ab,
                                              memory::format_tag::abc, memory::format_tag::abcd};
    SELFSUP_CHECK(!dims.empty() && dims.size() <= 4, "plain_md for rank ", dims.size());
    return memory::desc(dims, memory::data_type::f32, tags[dims.size() - 1]);
}

memory::desc plain_md(const Shape& shape) {
    if (shape.rank() == 0) return plain_md(memory::dims{1});
    return plain_md(dims_of(shape));
}

memory wrap(const Tensor& tensor) { return wrap(tensor, plain_md(tensor.shape())); }

memory wrap(const Tensor& tensor, const memory::desc& md) {
    return memory(md, engine(), const_cast<float*>(tensor.data()));
}

memory pooled(const memory::desc& md, Tensor& storage) {
    const auto floats = static_cast<int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float));
    storage = Tensor::empty(Shape{floats});
    return memory(md, engine(), storage.data());
}

uint64_t PrimitiveCache::created() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return created_;
}

PrimitiveCache& PrimitiveCache::instance() {
    static PrimitiveCache cache;
    return cache;
}

std::string key_of(const Shape& shape) {
    std::string text;
    for (int axis = 0; axis < shape.rank(); ++axis) {
        if (axis > 0) text += 'x';
        text += std::to_string(shape[axis]);
    }
    return text;
}

}  // namespace selfsup::dnnl_support

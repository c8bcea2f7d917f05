// my_head: a selfsup head plugin. One Linear layer from the embedding to the
// class logits, optionally reading the embedding as a unit vector (a cosine
// classifier), which makes the head indifferent to how large the encoder's
// outputs are.
//
// Build: cmake -B build && cmake --build build    (makes build/selfsup-my_head.so)
// Use:   selfsup run experiment.json
// Check: selfsup conformance build/selfsup-my_head.so

#include <memory>

#include "selfsup/layers.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace my_head {

using namespace selfsup;

// The parameters a manifest may give under "params", with their defaults.
constexpr const char* kSchema = R"json({
    "normalize": {"type": "boolean", "default": false,
                  "description": "scale each embedding to unit length before the layer"},
    "scale": {"type": "number", "default": 10, "min": 0.001, "max": 1000,
              "description": "factor on the unit embedding (with normalize), so logits can grow"}
})json";

// The base class is qualified so that a plugin named after its kind still compiles.
class MyHead final : public selfsup::Head {
public:
    // The context gives the embedding width D, the number of classes K and
    // the seed for the initial weights.
    MyHead(const Params& params, const HeadContext& context)
        : normalize_(params.get_bool("normalize")), scale_(params.get_float("scale")) {
        Rng rng(context.seed);
        linear_ = register_module(
            "linear", std::make_shared<Linear>(context.embedding_width, context.num_classes, rng));
    }

    // [N, D] -> [N, K]
    Tensor forward(const Tensor& src) override {
        if (!normalize_) return linear_->forward(src);
        return linear_->forward(ops::scale(ops::l2_normalize(src, 1), scale_));
    }

private:
    bool normalize_;
    float scale_;
    std::shared_ptr<Linear> linear_;
};

}  // namespace my_head

// The entry point: the ABI version and a descriptor (kind, name, version,
// one-line summary, parameter schema, factory).
SELFSUP_PLUGIN(selfsup::describe_head<my_head::MyHead>(
    "my_head", "0.1.0", "One Linear layer on the embedding, optionally on its unit vector.",
    my_head::kSchema))

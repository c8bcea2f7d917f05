// A valid head plugin, "tiny_head": one linear layer. It sits in the folder of
// broken plugins so the tests can see a good plugin survive its neighbours,
// and it fills head slots in test manifests.

#include <memory>

#include "selfsup/layers.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace {

constexpr const char* kSchema = R"json({
  "bias": {"type": "boolean", "default": true, "description": "whether the layer has a bias"}
})json";

class TinyHead : public selfsup::Head {
public:
    TinyHead(const selfsup::Params& params, const selfsup::HeadContext& context) {
        selfsup::Rng rng(context.seed);
        layer_ = register_module("linear", std::make_shared<selfsup::Linear>(
                                               context.embedding_width, context.num_classes, rng,
                                               params.get_bool("bias")));
    }
    selfsup::Tensor forward(const selfsup::Tensor& src) override { return layer_->forward(src); }

private:
    std::shared_ptr<selfsup::Linear> layer_;
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_head<TinyHead>("tiny_head", "1.0.0",
                                                "A single linear layer, for tests.", kSchema))

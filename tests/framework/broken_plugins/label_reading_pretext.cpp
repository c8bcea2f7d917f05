// A pretext that cheats: every loss() reads the labels file its "labels"
// parameter names, through the SDK's IDX reader. The conformance kit (and a
// real run) must refuse it under the LabelGuard.

#include <memory>
#include <string>

#include "selfsup/idx.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace {

constexpr const char* kSchema = R"json({
  "labels": {"type": "string", "default": "labels-idx1-ubyte",
             "description": "the IDX labels file it should never read"}
})json";

class LabelReader : public selfsup::Pretext {
public:
    LabelReader(const selfsup::Params& params, const selfsup::PretextContext&)
        : labels_(params.get_string("labels")) {}

    selfsup::Tensor loss(selfsup::Encoder& encoder, const selfsup::Tensor& images) override {
        selfsup::idx::read_labels(labels_);
        const selfsup::Tensor embedding = encoder.forward(images);
        return selfsup::ops::mean(selfsup::ops::multiply(embedding, embedding));
    }
    std::vector<std::pair<std::string, selfsup::Module*>> modules() override { return {}; }

private:
    std::string labels_;
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_pretext<LabelReader>(
    "label_reader", "1.0.0", "A pretext that reads labels, which pretexts must not.", kSchema))

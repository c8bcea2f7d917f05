// A valid dataset plugin, "tiny_data": a few blank 1x4x4 images in two
// classes, so test manifests have a dataset that needs no files.

#include <vector>

#include "selfsup/plugin/entry_point.hpp"

namespace {

constexpr const char* kSchema = R"json({
  "size": {"type": "integer", "min": 2, "max": 1000, "default": 8,
           "description": "images in each split"}
})json";

class TinyData : public selfsup::Dataset {
public:
    explicit TinyData(const selfsup::Params& params) {
        info_.sample_shape = {1, 4, 4};
        info_.num_classes = 2;
        info_.train_size = params.get_int("size");
        info_.test_size = params.get_int("size");
    }
    const selfsup::DatasetInfo& info() const override { return info_; }
    selfsup::Tensor images(selfsup::Split, std::span<const int64_t> indices) const override {
        return selfsup::Tensor::zeros({static_cast<int64_t>(indices.size()), 1, 4, 4});
    }
    std::vector<int32_t> labels(selfsup::Split split) const override {
        std::vector<int32_t> labels(info_.size(split));
        for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 2);
        return labels;
    }

private:
    selfsup::DatasetInfo info_;
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_dataset<TinyData>("tiny_data", "1.0.0",
                                                   "Blank 4x4 images in two classes, for tests.",
                                                   kSchema))

#include "selfsup/plugin/dataset.hpp"
#include "selfsup/plugin/encoder.hpp"
#include "selfsup/plugin/freeze_policy.hpp"
#include "selfsup/plugin/head.hpp"
#include "selfsup/plugin/pretext.hpp"

namespace selfsup {

// Out-of-line destructors anchor each interface's type information in the SDK
// library, so plugins built with hidden visibility share it with the framework.
Dataset::~Dataset() = default;
Encoder::~Encoder() = default;
Head::~Head() = default;
FreezePolicy::~FreezePolicy() = default;
Pretext::~Pretext() = default;

const char* split_name(Split split) { return split == Split::kTrain ? "train" : "test"; }

void Pretext::after_step(Encoder&, int64_t, int64_t) {}

std::vector<Preview> Pretext::previews(Encoder&, const Tensor&) { return {}; }

}  // namespace selfsup

#pragma once

// Head: the small classifier put on an encoder's embedding downstream, mapping
// [N, D] to class logits [N, K]. Ownership and threading as for any Module.

#include "selfsup/module.hpp"

namespace selfsup {

struct HeadContext {
    int64_t embedding_width = 0;
    int num_classes = 0;
    uint64_t seed = 0;
};

class SELFSUP_API Head : public Module {
public:
    ~Head() override;
};

}  // namespace selfsup

#pragma once

// PlainHead: the smallest head that compiles, for the broken test plugins
// whose objects are never meant to run: it passes its input through.

#include "selfsup/params.hpp"
#include "selfsup/plugin/head.hpp"

namespace selfsup::testing {

class PlainHead : public Head {
public:
    PlainHead(const Params&, const HeadContext&) {}
    Tensor forward(const Tensor& src) override { return src; }
};

}  // namespace selfsup::testing

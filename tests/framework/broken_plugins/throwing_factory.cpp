// A valid head plugin whose constructor throws a plain std::runtime_error,
// which the entry point's guard must turn into an error naming the plugin.

#include <stdexcept>

#include "selfsup/plugin/entry_point.hpp"

namespace {

class BoomHead : public selfsup::Head {
public:
    BoomHead(const selfsup::Params&, const selfsup::HeadContext&) {
        throw std::runtime_error("boom");
    }
    selfsup::Tensor forward(const selfsup::Tensor& src) override { return src; }
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_head<BoomHead>("boom_head", "1.0.0",
                                                "A head whose constructor always throws.", "{}"))

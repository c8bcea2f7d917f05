// A plugin whose entry point throws while it builds its descriptor.

#include <stdexcept>

#include "plain_head.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace {

selfsup::PluginDescriptor describe() {
    throw std::runtime_error("the descriptor could not be built");
}

}  // namespace

SELFSUP_PLUGIN(describe())

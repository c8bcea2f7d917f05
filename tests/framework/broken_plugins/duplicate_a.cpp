// One of two plugins that both call themselves "twin" (see duplicate_b.cpp).

#include "plain_head.hpp"
#include "selfsup/plugin/entry_point.hpp"

SELFSUP_PLUGIN(selfsup::describe_head<selfsup::testing::PlainHead>(
    "twin", "1.0.0", "One of two heads sharing a name.", "{}"))

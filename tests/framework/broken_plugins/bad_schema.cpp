// A head plugin whose parameter schema is not even JSON.

#include "plain_head.hpp"
#include "selfsup/plugin/entry_point.hpp"

SELFSUP_PLUGIN(selfsup::describe_head<selfsup::testing::PlainHead>(
    "bad_schema_head", "1.0.0", "A head with a malformed schema.",
    R"json({"width": {"type": "integer", "default": 3,})json"))

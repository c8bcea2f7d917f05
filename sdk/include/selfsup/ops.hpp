#pragma once

// Every op and loss of the SDK in one include.

#include "selfsup/losses.hpp"
#include "selfsup/ops/activations.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/combine.hpp"
#include "selfsup/ops/conv.hpp"
#include "selfsup/ops/linear.hpp"
#include "selfsup/ops/normalization.hpp"
#include "selfsup/ops/pool.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/ops/reshape.hpp"

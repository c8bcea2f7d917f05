#pragma once

// The autograd tape, as ops see it. An op computes its result, then calls
// record() with its inputs and a backward function; record() attaches the
// function to the result when gradients are wanted (grad mode is on and some
// input requires a gradient) and otherwise drops it.
//
// A backward function receives the gradient of the loss with respect to the
// op's result (diff_dst) and returns one gradient per input, in the order the
// inputs were given; an entry may be undefined when that input does not
// require a gradient (check with wants_grad()). It must not capture the result
// Tensor itself (that makes a reference cycle): capture dst.detach().

#include <functional>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& diff_dst)>;

SELFSUP_API Tensor record(const char* op_name, Tensor dst, std::vector<Tensor> srcs,
                          BackwardFn backward);

// True when `src` is an input whose gradient backward must compute.
SELFSUP_API bool wants_grad(const Tensor& src);

// Whether ops record onto the tape on this thread (on by default).
SELFSUP_API bool grad_mode_enabled();

// While alive, ops on this thread record nothing: for evaluation, and for
// updates such as an optimizer step or an EMA copy.
class SELFSUP_API NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

}  // namespace selfsup

#pragma once

// Optimizers. Each holds parameter groups (tensors shared with the model, not
// copies) with their own learning rate and weight decay, and per-parameter
// state (momentum, Adam moments) created at the first step.
//
// step() updates every parameter that requires a gradient and has one; a
// frozen parameter (requires_grad false) or one without a gradient is
// skipped and its state left untouched, so freezing needs no copy. Updates
// run under NoGradGuard, in place, as one vectorised pass per parameter.

#include <memory>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

struct ParamGroup {
    std::vector<Tensor> params;
    float lr = 1e-3f;
    float weight_decay = 0.0f;
};

class SELFSUP_API Optimizer {
public:
    explicit Optimizer(std::vector<ParamGroup> groups);
    virtual ~Optimizer();

    virtual void step() = 0;
    // Clears the gradient of every parameter in every group.
    void zero_grad();
    std::vector<ParamGroup>& groups() { return groups_; }

protected:
    std::vector<ParamGroup> groups_;
};

struct SgdOptions {
    float momentum = 0.0f;
    bool nesterov = false;
};

// Weight decay is L2: added to the gradient before momentum.
class SELFSUP_API Sgd : public Optimizer {
public:
    Sgd(std::vector<ParamGroup> groups, const SgdOptions& options = {});
    ~Sgd() override;
    void step() override;

private:
    SgdOptions options_;
    std::vector<std::vector<Tensor>> velocity_;
};

struct AdamOptions {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    // false: Adam, weight decay added to the gradient (L2);
    // true: AdamW, weight decay applied to the weights, decoupled.
    bool decoupled_weight_decay = false;
};

class SELFSUP_API Adam : public Optimizer {
public:
    Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});
    ~Adam() override;
    void step() override;

private:
    AdamOptions options_;
    std::vector<std::vector<Tensor>> first_moment_;
    std::vector<std::vector<Tensor>> second_moment_;
    std::vector<std::vector<int64_t>> steps_;
};

// Adam with decoupled weight decay (Loshchilov and Hutter).
class SELFSUP_API AdamW : public Adam {
public:
    AdamW(std::vector<ParamGroup> groups, AdamOptions options = {});
    ~AdamW() override;
};

}  // namespace selfsup

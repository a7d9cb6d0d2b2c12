// Debian's libtorch-dev ships c10d's reducer.hpp without the distributed-autograd (RPC) headers it
// includes. reducer.hpp names two things from them: the gradient-callback type, which it checks
// against its own, and a shared_ptr to the RPC context, held but never used by data parallelism.
// scripts/libtorch.mjs adds this folder to the include path only when the real header is missing.
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {
class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;
}  // namespace autograd
}  // namespace distributed
}  // namespace torch

#pragma once

namespace contrastive {
// Makes libtorch allocate CPU tensors with ReusingCPUAllocator (see allocator.cc).
void InstallCPUAllocator();
}  // namespace contrastive

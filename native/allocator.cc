// A CPU allocator that keeps glibc's heap reusable in a Node process.
//
// libtorch's default CPU allocator calls posix_memalign(64, n). Under glibc, a freed memaligned
// chunk is slightly smaller than what the next memalign of the same size asks for, and in Node
// the V8/Node-API allocations made between tensors stop free chunks from coalescing: a loop that
// allocates and frees a 12 KB tensor per step grew RSS by 12 KB per step (measured), where
// Python, whose small objects live in pymalloc, stays flat. This allocator asks malloc for
// n + 72 bytes and aligns inside the block, so a freed block fits the next request of the same
// size exactly and is reused. The block's start is kept in the 8 bytes before the aligned data,
// so data and context are the same pointer, as Allocator::raw_allocate requires.
//
// A block of 32 MiB or more is mmapped fresh by glibc (the threshold set below), and each of its
// 4 KiB pages faults in when first written: on these VMs about 2 ms per MiB, which made a
// 224x224 batch's augmentation cost more in faults than in arithmetic. Such a block is advised
// to use transparent huge pages (MADV_HUGEPAGE, effective where THP is 'madvise' or 'always'),
// so it faults in 2 MiB at a time, as PyTorch 2's THP_MEM_ALLOC_ENABLE does.
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace contrastive {
namespace {

constexpr size_t kAlignment = 64;  // what libtorch's vectorised kernels assume
constexpr size_t kMmapThreshold = 32 << 20;  // blocks from here up are mmapped (glibc's largest threshold)
constexpr uintptr_t kHugePage = 2 << 20;

// Advises the whole 2 MiB pages inside [block, block + size) to be transparent huge pages.
void AdviseHugePages(void* block, size_t size) {
#ifdef MADV_HUGEPAGE
  auto start = (reinterpret_cast<uintptr_t>(block) + kHugePage - 1) & ~(kHugePage - 1);
  auto end = (reinterpret_cast<uintptr_t>(block) + size) & ~(kHugePage - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);  // advice only: a failure changes nothing
#endif
}

void FreeAligned(void* data) {
  if (data) std::free(static_cast<void**>(data)[-1]);
}

struct ReusingCPUAllocator final : c10::Allocator {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t n) override {
#else
  c10::DataPtr allocate(size_t n) const override {
#endif
    if (n == 0) return {nullptr, nullptr, &FreeAligned, c10::Device(c10::DeviceType::CPU)};
    void* block = std::malloc(n + kAlignment + sizeof(void*));
    TORCH_CHECK(block != nullptr, "CPU allocator: out of memory allocating ", n, " bytes");
    if (n >= kMmapThreshold) AdviseHugePages(block, n + kAlignment + sizeof(void*));
    auto start = reinterpret_cast<uintptr_t>(block) + sizeof(void*);
    void* data = reinterpret_cast<void*>((start + kAlignment - 1) & ~(kAlignment - 1));
    static_cast<void**>(data)[-1] = block;
    return {data, data, &FreeAligned, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &FreeAligned; }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  void copy_data(void* dest, const void* src, size_t count) const override {
    default_copy_data(dest, src, count);
  }
#endif
};

ReusingCPUAllocator allocator;

}  // namespace

void InstallCPUAllocator() {
  c10::SetCPUAllocator(&allocator, /*priority=*/1);
  // Keep freed activation-sized blocks in the heap for the next step instead of returning them
  // to the kernel: glibc otherwise mmaps every block over its (dynamic) threshold afresh, and a
  // training step pays a page fault per 4 KiB of activations (measured: 8x fewer faults).
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace contrastive

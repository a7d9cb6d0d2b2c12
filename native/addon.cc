// Module entry: tensor creation from buffers, global engine state (threads, seed, grad mode),
// and the memory counters.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <napi.h>
#include <torch/version.h>

#include <cstring>
#include <thread>

#include "allocator.h"
#include "dist.h"
#include "handle.h"
#include "ops.h"

namespace contrastive {
namespace {

std::vector<int64_t> ShapeOf(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "fromBuffer: shape must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> shape(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0) || std::floor(d) != d) throw Napi::TypeError::New(env, "fromBuffer: bad shape entry");
    shape[i] = static_cast<int64_t>(d);
  }
  return shape;
}

// fromBuffer(typedArray, shape, dtype): a CPU tensor holding a copy of the bytes.
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBuffer: data must be a TypedArray");
  Napi::TypedArray data = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = ShapeOf(env, info[1]);
  std::string dtype = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  return Guard(env, "fromBuffer", [&]() -> Napi::Value {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(ParseDtype(dtype)));
    size_t n = t.numel() * t.element_size();
    if (n != data.ByteLength())
      throw std::invalid_argument("shape needs " + std::to_string(n) + " bytes, data has " +
                                  std::to_string(data.ByteLength()));
    if (n) std::memcpy(t.data_ptr(), static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset(), n);
    return Handles::Add(env, std::move(t));
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  double n = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (!(n >= 1) || std::floor(n) != n) throw Napi::TypeError::New(info.Env(), "setNumThreads: n must be a positive integer");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  double s = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(s >= 0) || std::floor(s) != s) throw Napi::TypeError::New(info.Env(), "manualSeed: seed must be a non-negative integer");
  at::manual_seed(static_cast<uint64_t>(s));
  return info.Env().Undefined();
}

// The CPU generator's state as a uint8 tensor, and back (for resumable runs).
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return Handles::Add(info.Env(), gen.get_state());
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  const at::Tensor& state = Handles::Get(info[0], "setRngState state");
  Guard(info.Env(), "setRngState " + Describe(state), [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  });
  return info.Env().Undefined();
}

// setGradEnabled(flag) -> previous flag
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean());
  return Napi::Boolean::New(info.Env(), prev);
}

// setAutocast(device 'cpu'|'cuda', enabled, dtype) -> previous enabled. Leaving the outermost
// autocast region clears the cast cache, as torch.autocast's __exit__ does.
Napi::Value SetAutocast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string device = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (device != "cpu" && device != "cuda") throw Napi::TypeError::New(env, "autocast: device must be 'cpu' or 'cuda'");
  bool on = info[1].ToBoolean();
  at::ScalarType dtype = Guard(env, "autocast", [&] {
    return ParseDtype(info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "bfloat16");
  });
  if (dtype != at::kBFloat16 && dtype != at::kHalf) throw Napi::TypeError::New(env, "autocast: dtype must be 'bfloat16' or 'float16'");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  c10::DeviceType type = device == "cpu" ? c10::DeviceType::CPU : c10::DeviceType::CUDA;
  bool prev = at::autocast::is_autocast_enabled(type);
  at::autocast::set_autocast_enabled(type, on);
  at::autocast::set_autocast_dtype(type, dtype);
#else
  bool prev = device == "cpu" ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
  if (device == "cpu") {
    at::autocast::set_cpu_enabled(on);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(on);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
  if (on && !prev) at::autocast::increment_nesting();
  if (!on && prev && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  return Napi::Boolean::New(env, prev);
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(Handles::live_tensors)));
  o.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(Handles::live_bytes)));
  return o;
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallCPUAllocator();
  // An addon starts with one intra-op thread: use every core, as PyTorch does.
  at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  InitHandles(env, exports);
  InitDist(env, exports);
  exports.Set("op", Napi::Function::New(env, LookupOp));
  exports.Set("call", Napi::Function::New(env, CallOp));
  exports.Set("tape", TapeBuffer(env));
  exports.Set("tapeLayout", [&] {
    Napi::Object o = Napi::Object::New(env);
    o.Set("slots", Napi::Number::New(env, kTapeSlots));
    o.Set("listCap", Napi::Number::New(env, kTapeListCap));
    o.Set("header", Napi::Number::New(env, kTapeHeader));
    return o;
  }());
  exports.Set("schema", Napi::Function::New(env, OpSchema));
  exports.Set("fromBuffer", Napi::Function::New(env, FromBuffer));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("setAutocast", Napi::Function::New(env, SetAutocast));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount));
  exports.Set("version", Napi::Function::New(env, Version));
  return exports;
}

}  // namespace contrastive

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return contrastive::Init(env, exports); }
NODE_API_MODULE(contrastive, InitModule)

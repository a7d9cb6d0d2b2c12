// Tensor handles: JS holds a number id into a table of at::Tensor slots. No JS object and no
// finalizer per tensor (Node-API runs finalizers only when the event loop turns, so a synchronous
// loop would pile them up); lifetime is explicit (free), with a FinalizationRegistry in
// TypeScript as the backstop. A slot's generation is part of the id (id = generation * 2^24 +
// slot, exact in a double), so a stale id is an error, never another tensor: a slot whose
// generation would wrap is retired, never reused.
//
// Op calls (ops.cc) pass tensor ids through a shared buffer as doubles; a BigInt holding an id
// marks a tensor inside the JS values the generic path converts (see TensorOrList in tensor.ts).
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

namespace contrastive {

class Handles {
 public:
  // A new handle owning `t`; an undefined tensor becomes null.
  static Napi::Value Add(Napi::Env env, at::Tensor t);
  // The id of a new handle owning the defined tensor `t` (no JS value is made).
  static double AddId(Napi::Env env, at::Tensor t);
  // The tensor of a handle (a number, or a BigInt holding one); a TypeError naming `what` for a
  // non-handle, an Error if freed.
  static const at::Tensor& Get(const Napi::Value& v, const std::string& what);
  // The tensor of an id, or null: `*stale` tells a freed tensor from a value that never was an id.
  static const at::Tensor* Find(double id, bool* stale);
  // Whether `v` marks a tensor among converted JS values (a BigInt id).
  static bool Is(const Napi::Value& v) { return v.IsBigInt(); }
  // Frees the slot; freeing twice is a no-op.
  static void Free(Napi::Env env, const Napi::Value& v);
  static void FreeId(Napi::Env env, double id);
  static int64_t live_tensors;
  static int64_t live_bytes;
};

// Registers the per-handle functions (meta, grad, backward, toBuffer, ...) on `exports`.
void InitHandles(Napi::Env env, Napi::Object exports);

// "[2, 3] float32" for error messages.
std::string Describe(const at::Tensor& t);
std::string DtypeName(at::ScalarType s);
at::ScalarType ParseDtype(const std::string& name);

// Runs `fn`, turning every C++ exception into a JS Error whose message starts with `context`.
template <typename F>
auto Guard(Napi::Env env, const std::string& context, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, context + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, context + ": " + e.what());
  }
}

}  // namespace contrastive

// The one handle type: a JS object that owns an at::Tensor.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

namespace contrastive {

// Live-handle accounting for memory(): handles, not storages, are counted.
struct Live {
  static int64_t tensors;
  static int64_t bytes;
};

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function Init(Napi::Env env);
  // Wraps `t` in a new JS handle (an undefined tensor becomes null).
  static Napi::Value Wrap(Napi::Env env, at::Tensor t);
  // The tensor of a JS handle; throws a TypeError naming `what` otherwise.
  static const at::Tensor& From(const Napi::Value& v, const std::string& what);
  static bool Is(const Napi::Value& v);

  explicit TensorHandle(const Napi::CallbackInfo& info);
  ~TensorHandle() override;

 private:
  static Napi::FunctionReference ctor_;
  void Set(Napi::Env env, at::Tensor t);
  void Release(Napi::Env env);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value Meta(const Napi::CallbackInfo& info);
  Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info);
  Napi::Value Grad(const Napi::CallbackInfo& info);
  Napi::Value SetGrad(const Napi::CallbackInfo& info);
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value ToBuffer(const Napi::CallbackInfo& info);
  Napi::Value Item(const Napi::CallbackInfo& info);
  Napi::Value IsContiguous(const Napi::CallbackInfo& info);
  Napi::Value SameStorage(const Napi::CallbackInfo& info);

  at::Tensor t_;
  int64_t bytes_ = 0;
  bool live_ = false;
};

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

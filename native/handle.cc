#include "handle.h"

#include <torch/csrc/autograd/autograd.h>

#include <cstring>

namespace contrastive {

int64_t Live::tensors = 0;
int64_t Live::bytes = 0;
Napi::FunctionReference TensorHandle::ctor_;

namespace {
const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat},  {"float64", at::kDouble}, {"float16", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"int64", at::kLong},  {"int32", at::kInt},
    {"uint8", at::kByte},     {"bool", at::kBool},      {"int8", at::kChar},
    {"int16", at::kShort},
};
}  // namespace

std::string DtypeName(at::ScalarType s) {
  for (const auto& d : kDtypes)
    if (d.second == s) return d.first;
  return c10::toString(s);
}

at::ScalarType ParseDtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.first) return d.second;
  throw std::invalid_argument("unknown dtype '" + name + "'");
}

std::string Describe(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "] " + DtypeName(t.scalar_type()) + (t.is_cuda() ? " cuda" : "");
}

Napi::Function TensorHandle::Init(Napi::Env env) {
  Napi::Function f = DefineClass(
      env, "TensorHandle",
      {InstanceMethod<&TensorHandle::Free>("free"),
       InstanceMethod<&TensorHandle::Meta>("meta"),
       InstanceMethod<&TensorHandle::SetRequiresGrad>("setRequiresGrad"),
       InstanceMethod<&TensorHandle::Grad>("grad"),
       InstanceMethod<&TensorHandle::SetGrad>("setGrad"),
       InstanceMethod<&TensorHandle::Backward>("backward"),
       InstanceMethod<&TensorHandle::ToBuffer>("toBuffer"),
       InstanceMethod<&TensorHandle::Item>("item"),
       InstanceMethod<&TensorHandle::IsContiguous>("isContiguous"),
       InstanceMethod<&TensorHandle::SameStorage>("sameStorage")});
  ctor_ = Napi::Persistent(f);
  return f;
}

TensorHandle::TensorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorHandle>(info) {}

TensorHandle::~TensorHandle() {
  // Finalizer path (the GC backstop): the env may be shutting down, so only the counters.
  if (live_) {
    Live::tensors -= 1;
    Live::bytes -= bytes_;
  }
}

void TensorHandle::Set(Napi::Env env, at::Tensor t) {
  t_ = std::move(t);
  bytes_ = static_cast<int64_t>(t_.numel()) * static_cast<int64_t>(t_.element_size());
  live_ = true;
  Live::tensors += 1;
  Live::bytes += bytes_;
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes_);
}

void TensorHandle::Release(Napi::Env env) {
  if (!live_) return;
  live_ = false;
  Live::tensors -= 1;
  Live::bytes -= bytes_;
  Napi::MemoryManagement::AdjustExternalMemory(env, -bytes_);
  t_ = at::Tensor();
}

Napi::Value TensorHandle::Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  Napi::Object obj = ctor_.New({});
  Unwrap(obj)->Set(env, std::move(t));
  return obj;
}

bool TensorHandle::Is(const Napi::Value& v) {
  return v.IsObject() && v.As<Napi::Object>().InstanceOf(ctor_.Value());
}

const at::Tensor& TensorHandle::From(const Napi::Value& v, const std::string& what) {
  if (!Is(v)) throw Napi::TypeError::New(v.Env(), what + " must be a Tensor");
  TensorHandle* h = Unwrap(v.As<Napi::Object>());
  if (!h->live_) throw Napi::Error::New(v.Env(), what + ": the tensor has been disposed");
  return h->t_;
}

Napi::Value TensorHandle::Free(const Napi::CallbackInfo& info) {
  Release(info.Env());
  return info.Env().Undefined();
}

// [shape, dtype, device, requiresGrad]
Napi::Value TensorHandle::Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = From(info.This(), "meta");
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(i, Napi::Number::New(env, t.size(i)));
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, shape);
  out.Set(1u, DtypeName(t.scalar_type()));
  out.Set(2u, t.device().str());
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

Napi::Value TensorHandle::SetRequiresGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& t = From(info.This(), "requiresGrad");
  bool flag = info[0].ToBoolean();
  Guard(info.Env(), "requiresGrad " + Describe(t), [&] { t.set_requires_grad(flag); });
  return info.Env().Undefined();
}

Napi::Value TensorHandle::Grad(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), From(info.This(), "grad").grad());
}

Napi::Value TensorHandle::SetGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& t = From(info.This(), "grad");
  at::Tensor g = info[0].IsNull() || info[0].IsUndefined() ? at::Tensor() : From(info[0], "grad");
  Guard(info.Env(), "set grad " + Describe(t), [&] { t.mutable_grad() = g; });
  return info.Env().Undefined();
}

// backward(grad | null, retainGraph, createGraph)
Napi::Value TensorHandle::Backward(const Napi::CallbackInfo& info) {
  const at::Tensor& t = From(info.This(), "backward");
  at::Tensor g = info[0].IsNull() || info[0].IsUndefined() ? at::Tensor() : From(info[0], "backward grad");
  bool retain = info[1].ToBoolean();
  bool create = info[2].ToBoolean();
  Guard(info.Env(), "backward " + Describe(t) + (g.defined() ? " grad " + Describe(g) : ""), [&] {
    torch::autograd::backward({t}, g.defined() ? torch::autograd::variable_list{g}
                                               : torch::autograd::variable_list{},
                              retain || create, create);
  });
  return info.Env().Undefined();
}

// A contiguous CPU copy of the data as an ArrayBuffer, plus the dtype it holds
// (float16/bfloat16 come back as float32, bool as uint8).
Napi::Value TensorHandle::ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = From(info.This(), "data");
  return Guard(env, "data " + Describe(t), [&]() -> Napi::Value {
    at::Tensor c = t.detach().to(at::kCPU);
    if (c.scalar_type() == at::kHalf || c.scalar_type() == at::kBFloat16) c = c.to(at::kFloat);
    if (c.scalar_type() == at::kBool) c = c.to(at::kByte);
    c = c.contiguous();
    size_t n = c.numel() * c.element_size();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(buf.Data(), c.data_ptr(), n);
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, buf);
    out.Set(1u, DtypeName(c.scalar_type()));
    return out;
  });
}

Napi::Value TensorHandle::Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = From(info.This(), "item");
  return Guard(env, "item " + Describe(t), [&]() -> Napi::Value {
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  });
}

Napi::Value TensorHandle::IsContiguous(const Napi::CallbackInfo& info) {
  const at::Tensor& t = From(info.This(), "isContiguous");
  std::string fmt = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "contiguous";
  auto mf = fmt == "channelsLast" ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return Napi::Boolean::New(info.Env(), t.is_contiguous(mf));
}

Napi::Value TensorHandle::SameStorage(const Napi::CallbackInfo& info) {
  const at::Tensor& a = From(info.This(), "sameStorage");
  const at::Tensor& b = From(info[0], "sameStorage other");
  return Napi::Boolean::New(info.Env(), a.storage().is_alias_of(b.storage()));
}

}  // namespace contrastive

#include "handle.h"

#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <cstring>

namespace contrastive {

int64_t Handles::live_tensors = 0;
int64_t Handles::live_bytes = 0;

namespace {

// id = generation * 2^24 + slot: at most 2^24 live slots, 2^29 generations per slot, exact in a
// double (a JS number), so ids cross Node-API without a BigInt.
constexpr int kSlotBits = 24;
constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
constexpr uint32_t kMaxGeneration = (uint32_t{1} << 29) - 1;

struct Slot {
  at::Tensor t;
  int64_t bytes = 0;
  uint32_t generation = 1;
  bool live = false;
};
std::vector<Slot> slots;
std::vector<uint32_t> free_slots;

// External memory reported to V8 in steps, not per tensor: one call per op was measurable
// (bench/op-overhead.ts), and V8 only needs the order of magnitude to pace its GC.
int64_t unreported_bytes = 0;
constexpr int64_t kReportStep = int64_t{1} << 22;
void Report(Napi::Env env, int64_t delta) {
  unreported_bytes += delta;
  if (unreported_bytes >= kReportStep || unreported_bytes <= -kReportStep) {
    Napi::MemoryManagement::AdjustExternalMemory(env, unreported_bytes);
    unreported_bytes = 0;
  }
}

Slot* Lookup(double d, bool* stale) {
  *stale = false;
  if (!(d >= 0) || d > 9007199254740991.0) return nullptr;
  uint64_t id = static_cast<uint64_t>(d);
  if (static_cast<double>(id) != d) return nullptr;
  uint64_t index = id & kSlotMask;
  if (index >= slots.size() || slots[index].generation != (id >> kSlotBits)) return nullptr;
  if (!slots[index].live) *stale = true;
  return &slots[index];
}

// A number id, or a BigInt holding one; NaN (never an id) for anything else.
double IdOf(const Napi::Value& v) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t id = v.As<Napi::BigInt>().Uint64Value(&lossless);
    return lossless && id <= 9007199254740991ull ? static_cast<double>(id) : -1;
  }
  return std::nan("");
}

const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat},  {"float64", at::kDouble}, {"float16", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"int64", at::kLong},  {"int32", at::kInt},
    {"uint8", at::kByte},     {"bool", at::kBool},      {"int8", at::kChar},
    {"int16", at::kShort},
};

}  // namespace

double Handles::AddId(Napi::Env env, at::Tensor t) {
  uint32_t index;
  if (free_slots.empty()) {
    if (slots.size() > kSlotMask) throw Napi::Error::New(env, "too many live tensors (2^24): dispose some");
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  } else {
    index = free_slots.back();
    free_slots.pop_back();
  }
  Slot& s = slots[index];
  s.bytes = static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
  s.t = std::move(t);
  s.live = true;
  live_tensors += 1;
  live_bytes += s.bytes;
  Report(env, s.bytes);
  return static_cast<double>((uint64_t{s.generation} << kSlotBits) | index);
}

Napi::Value Handles::Add(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return Napi::Number::New(env, AddId(env, std::move(t)));
}

const at::Tensor* Handles::Find(double id, bool* stale) {
  Slot* s = Lookup(id, stale);
  return s && !*stale ? &s->t : nullptr;
}

const at::Tensor& Handles::Get(const Napi::Value& v, const std::string& what) {
  double id = IdOf(v);
  if (std::isnan(id)) throw Napi::TypeError::New(v.Env(), what + " must be a Tensor");
  bool stale;
  const at::Tensor* t = Find(id, &stale);
  if (!t) throw Napi::Error::New(v.Env(), what + ": the tensor has been disposed");
  return *t;
}

void Handles::FreeId(Napi::Env env, double id) {
  bool stale;
  Slot* s = Lookup(id, &stale);
  if (!s || stale) return;
  s->t = at::Tensor();
  s->live = false;
  live_tensors -= 1;
  live_bytes -= s->bytes;
  Report(env, -s->bytes);
  // A slot whose generation would wrap is retired: an old id must never name a new tensor.
  if (s->generation == kMaxGeneration) return;
  s->generation += 1;
  free_slots.push_back(static_cast<uint32_t>(s - slots.data()));
}

void Handles::Free(Napi::Env env, const Napi::Value& v) {
  double id = IdOf(v);
  if (std::isnan(id)) throw Napi::TypeError::New(env, "free: expected a tensor handle");
  FreeId(env, id);
}

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

namespace {

Napi::Value Free(const Napi::CallbackInfo& info) {
  Handles::Free(info.Env(), info[0]);
  return info.Env().Undefined();
}

// freeMany(ids: Float64Array, n): frees the first n ids (a scope's tensors, in one call).
Napi::Value FreeMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "freeMany: ids must be a Float64Array");
  Napi::Float64Array ids = info[0].As<Napi::Float64Array>();
  double n = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0) || n > static_cast<double>(ids.ElementLength()))
    throw Napi::RangeError::New(env, "freeMany: n out of range");
  const double* p = ids.Data();
  for (size_t i = 0, e = static_cast<size_t>(n); i < e; ++i) Handles::FreeId(env, p[i]);
  return env.Undefined();
}

// [shape, dtype, device, requiresGrad]
Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Handles::Get(info[0], "meta");
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(i, Napi::Number::New(env, t.size(i)));
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, shape);
  out.Set(1u, DtypeName(t.scalar_type()));
  out.Set(2u, t.device().str());
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Handles::Get(info[0], "requiresGrad").requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Handles::Get(info[0], "requiresGrad");
  bool flag = info[1].ToBoolean();
  Guard(info.Env(), "requiresGrad " + Describe(t), [&] { t.set_requires_grad(flag); });
  return info.Env().Undefined();
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return Handles::Add(info.Env(), Handles::Get(info[0], "grad").grad());
}

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Handles::Get(info[0], "grad");
  at::Tensor g = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : Handles::Get(info[1], "grad");
  Guard(info.Env(), "set grad " + Describe(t) + (g.defined() ? " to " + Describe(g) : ""), [&] {
    if (g.defined()) {
      TORCH_CHECK(g.sizes() == t.sizes(), "the gradient must have the tensor's shape");
      TORCH_CHECK(g.scalar_type() == t.scalar_type() && g.device() == t.device(),
                  "the gradient must have the tensor's dtype and device");
    }
    t.mutable_grad() = g;
  });
  return info.Env().Undefined();
}

// backward(id, grad | null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Handles::Get(info[0], "backward");
  at::Tensor g = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : Handles::Get(info[1], "backward grad");
  bool retain = info[2].ToBoolean();
  bool create = info[3].ToBoolean();
  Guard(info.Env(), "backward " + Describe(t) + (g.defined() ? " grad " + Describe(g) : ""), [&] {
    torch::autograd::backward({t}, g.defined() ? torch::autograd::variable_list{g}
                                               : torch::autograd::variable_list{},
                              retain || create, create);
  });
  return info.Env().Undefined();
}

// A contiguous CPU copy of the data as an ArrayBuffer, plus the dtype it holds
// (float16/bfloat16 come back as float32, bool as uint8).
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Handles::Get(info[0], "data");
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

Napi::Value Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Handles::Get(info[0], "item");
  return Guard(env, "item " + Describe(t), [&]() -> Napi::Value {
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  });
}

Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Handles::Get(info[0], "isContiguous");
  std::string fmt = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "contiguous";
  auto mf = fmt == "channelsLast" ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return Napi::Boolean::New(info.Env(), t.is_contiguous(mf));
}

Napi::Value SameStorage(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Handles::Get(info[0], "sameStorage");
  const at::Tensor& b = Handles::Get(info[1], "sameStorage other");
  return Napi::Boolean::New(info.Env(), a.storage().is_alias_of(b.storage()));
}

}  // namespace

void InitHandles(Napi::Env env, Napi::Object exports) {
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("freeMany", Napi::Function::New(env, FreeMany));
  exports.Set("meta", Napi::Function::New(env, Meta));
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("toBuffer", Napi::Function::New(env, ToBuffer));
  exports.Set("item", Napi::Function::New(env, Item));
  exports.Set("isContiguous", Napi::Function::New(env, IsContiguous));
  exports.Set("sameStorage", Napi::Function::New(env, SameStorage));
}

}  // namespace contrastive

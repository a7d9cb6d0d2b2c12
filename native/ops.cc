// Generic op dispatch: any ATen op is called through the dispatcher's boxed convention. The op's
// schema says how to convert each JS argument, so a new op needs no new C++.
//
// A call crosses Node-API once, with no argument values: JS writes the op id and the arguments
// into a shared buffer (the tape; layout in ops.h and src/tensor/tensor.ts) as tagged doubles
// (tensor ids, numbers, booleans, null, lists of numbers or of tensors), and only values the tape
// cannot hold (strings, mixed arrays, objects) as JS values. Each op keeps one converter kind per
// argument, computed from its schema once; results come back on the tape the same way. Anything
// unusual goes through the general conversion (ToIValue on a JS value), which also writes every
// error message, so errors read as they always did.
#include "ops.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>

#include "handle.h"

namespace contrastive {
namespace {

// How the tape's value of one argument becomes an IValue; kOther always takes the general path.
enum class Kind : uint8_t {
  kTensor, kOptTensor, kInt, kOptInt, kFloat, kOptFloat, kScalar, kOptScalar, kBool, kOptBool,
  kIntList, kOptIntList, kFloatList, kTensorList, kOptTensorList, kOther,
};

struct Formal {
  Kind kind;
  bool optional;                             // None when not given
  c10::optional<c10::IValue> default_value;  // the schema's default, if any
  size_t n;                                  // N of `int[N]`, 1 if none
};

struct Op {
  c10::OperatorHandle handle;
  std::string name;  // "aten::add.Tensor"
  std::vector<Formal> formals;
};
std::vector<Op> ops;
std::unordered_map<std::string, size_t> opIds;

[[noreturn]] void Fail(Napi::Env env, const std::string& op, const c10::Argument& arg,
                       const std::string& want) {
  throw Napi::TypeError::New(env, op + ": argument '" + arg.name() + "' must be " + want);
}

int64_t ToInt(Napi::Env env, const Napi::Value& v, const std::string& op, const c10::Argument& arg) {
  if (!v.IsNumber()) Fail(env, op, arg, "an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9007199254740991.0)
    Fail(env, op, arg, "an integer (got " + v.ToString().Utf8Value() + ")");
  return static_cast<int64_t>(d);
}

c10::IValue ToIValue(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type,
                     const std::string& op, const c10::Argument& arg);

// A tensor among JS values is a BigInt id (a number is a number, not a tensor); `index` >= 0
// names a list element.
const at::Tensor& TensorArg(const Napi::Value& v, const std::string& op, const c10::Argument& arg, int64_t index) {
  std::string what = op + ": argument '" + arg.name() + (index >= 0 ? "[" + std::to_string(index) + "]" : "") + "'";
  if (!Handles::Is(v)) throw Napi::TypeError::New(v.Env(), what + " must be a Tensor");
  return Handles::Get(v, what);
}

c10::IValue ToList(Napi::Env env, const Napi::Value& v, const c10::TypePtr& elem,
                   const std::string& op, const c10::Argument& arg) {
  c10::TypeKind k = elem->kind();
  bool intLike = k == c10::TypeKind::IntType || k == c10::TypeKind::SymIntType;
  // A single number stands for a fixed-size list (`int[2] stride=1`), as in PyTorch.
  if (v.IsNumber() && (intLike || k == c10::TypeKind::FloatType)) {
    size_t n = arg.N() ? *arg.N() : 1;
    if (intLike) return c10::IValue(std::vector<int64_t>(n, ToInt(env, v, op, arg)));
    return c10::IValue(std::vector<double>(n, v.As<Napi::Number>().DoubleValue()));
  }
  if (!v.IsArray()) Fail(env, op, arg, "an array");
  Napi::Array a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  if (intLike) {
    std::vector<int64_t> out(n);
    for (uint32_t i = 0; i < n; ++i) out[i] = ToInt(env, a.Get(i), op, arg);
    return c10::IValue(std::move(out));
  }
  if (k == c10::TypeKind::FloatType) {
    std::vector<double> out(n);
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) Fail(env, op, arg, "an array of numbers");
      out[i] = e.As<Napi::Number>().DoubleValue();
    }
    return c10::IValue(std::move(out));
  }
  if (k == c10::TypeKind::BoolType) {
    c10::List<bool> out;
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsBoolean()) Fail(env, op, arg, "an array of booleans");
      out.push_back(e.As<Napi::Boolean>().Value());
    }
    return c10::IValue(std::move(out));
  }
  if (k == c10::TypeKind::TensorType) {
    std::vector<at::Tensor> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) out.push_back(TensorArg(a.Get(i), op, arg, i));
    return c10::IValue(std::move(out));
  }
  if (k == c10::TypeKind::OptionalType &&
      elem->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
    c10::List<c10::optional<at::Tensor>> out;
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value e = a.Get(i);
      if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
      else out.push_back(TensorArg(e, op, arg, i));
    }
    return c10::IValue(std::move(out));
  }
  Fail(env, op, arg, "of a list type this binding does not convert (" + elem->str() + "[])");
}

c10::IValue ToIValue(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type,
                     const std::string& op, const c10::Argument& arg) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return ToIValue(env, v, type->castRaw<c10::OptionalType>()->getElementType(), op, arg);
    case c10::TypeKind::TensorType:
      return TensorArg(v, op, arg, -1);
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return ToInt(env, v, op, arg);
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) Fail(env, op, arg, "a number");
      return v.As<Napi::Number>().DoubleValue();
    case c10::TypeKind::NumberType: {  // Scalar: integral numbers stay integral, as in Python
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (!v.IsNumber()) Fail(env, op, arg, "a number");
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740991.0)
        return static_cast<int64_t>(d);
      return d;
    }
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) Fail(env, op, arg, "a boolean");
      return v.As<Napi::Boolean>().Value();
    case c10::TypeKind::StringType:
      if (!v.IsString()) Fail(env, op, arg, "a string");
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::ScalarTypeType:
      if (!v.IsString()) Fail(env, op, arg, "a dtype name");
      try {
        return ParseDtype(v.As<Napi::String>().Utf8Value());
      } catch (const std::invalid_argument& e) {
        Fail(env, op, arg, std::string("a dtype name: ") + e.what());
      }
    case c10::TypeKind::LayoutType:
      if (!v.IsString() || v.As<Napi::String>().Utf8Value() != "strided") Fail(env, op, arg, "'strided'");
      return at::kStrided;
    case c10::TypeKind::DeviceObjType: {
      if (!v.IsString()) Fail(env, op, arg, "a device name");
      std::string s = v.As<Napi::String>().Utf8Value();
      try {
        return c10::Device(s);
      } catch (const c10::Error&) {
        Fail(env, op, arg, "a device name like 'cpu' or 'cuda:0' (got '" + s + "')");
      }
    }
    case c10::TypeKind::MemoryFormatType: {
      std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      if (s == "contiguous") return at::MemoryFormat::Contiguous;
      if (s == "channelsLast") return at::MemoryFormat::ChannelsLast;
      if (s == "preserve") return at::MemoryFormat::Preserve;
      Fail(env, op, arg, "'contiguous', 'channelsLast' or 'preserve'");
    }
    case c10::TypeKind::GeneratorType:
      if (!v.IsNull() && !v.IsUndefined()) Fail(env, op, arg, "null (the default generator)");
      return c10::IValue();
    case c10::TypeKind::ListType:
      return ToList(env, v, type->castRaw<c10::ListType>()->getElementType(), op, arg);
    default:
      Fail(env, op, arg, "of a type this binding does not convert (" + type->str() + ")");
  }
}

// A result tensor among JS values: its id as a BigInt (so JS tells it from a number), or null.
Napi::Value TensorValue(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return Napi::BigInt::New(env, static_cast<uint64_t>(Handles::AddId(env, std::move(t))));
}

Napi::Value FromIValue(Napi::Env env, c10::IValue v) {
  if (v.isTensor()) return TensorValue(env, std::move(v).toTensor());
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorVector();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(i, TensorValue(env, list[i]));
    return a;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(i, FromIValue(env, list[i]));
    return a;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) a.Set(i, FromIValue(env, elems[i]));
    return a;
  }
  throw Napi::Error::New(env, "cannot convert a result of kind " + v.tagKind());
}

// "aten::conv2d(input: [1, 3, 8, 8] float32, weight: [4, 2, 3, 3] float32)", from the call's
// arguments as JS values (tensors as BigInt ids); only built when the op failed.
std::string Context(const Op& op, const std::vector<Napi::Value>& args) {
  const auto& schema = op.handle.schema();
  std::string s = op.name + "(";
  bool first = true;
  for (size_t i = 0; i < args.size() && i < schema.arguments().size(); ++i) {
    Napi::Value v = args[i];
    std::string d;
    if (Handles::Is(v)) {
      try { d = Describe(Handles::Get(v, "")); } catch (...) { d = "disposed"; }
    } else if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      d = "[";
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value e = a.Get(j);
        std::string ed = e.ToString().Utf8Value();
        if (Handles::Is(e)) { try { ed = Describe(Handles::Get(e, "")); } catch (...) { ed = "disposed"; } }
        d += (j ? ", " : "") + ed;
      }
      d += "]";
    } else if (v.IsNumber() || v.IsBoolean() || v.IsString()) {
      d = v.ToString().Utf8Value();
    } else {
      continue;
    }
    s += (first ? "" : ", ") + schema.arguments()[i].name() + ": " + d;
    first = false;
  }
  return s + ")";
}

// ---- the tape -------------------------------------------------------------------------------

struct Tape {
  double* vals = nullptr;  // [kTapeSlots] argument and result values
  double* list = nullptr;  // [kTapeListCap] elements of list values
  int32_t* hdr = nullptr;  // [kTapeHeader] op id, argument count, flags, result count
  int32_t* tags = nullptr; // [kTapeSlots] what each value is
  int32_t* lens = nullptr; // [kTapeSlots] a list's length (its start in `list` is in vals)
};
Tape tape;
Napi::Reference<Napi::ArrayBuffer> tapeBuffer;

enum Tag : int32_t {
  kUndefined = 0, kNull = 1, kTensorId = 2, kNumber = 3, kFalse = 4, kTrue = 5,
  kNumberList = 6, kTensorIdList = 7,  // elements in tape.list; -1 is null in a tensor list
  kJs = 8,                             // the JS value extra[vals[i]]
};

constexpr double kMaxExact = 9007199254740991.0;
bool Integral(double d) { return std::floor(d) == d && std::fabs(d) <= kMaxExact; }

Napi::Value IdValue(Napi::Env env, double id) {
  if (id < 0) return env.Null();
  return Napi::BigInt::New(env, static_cast<uint64_t>(id));
}

// Argument i as the JS value the general conversion takes.
Napi::Value JsArg(Napi::Env env, size_t i, const Napi::Value& extra) {
  double v = tape.vals[i];
  switch (tape.tags[i]) {
    case kNull: return env.Null();
    case kTensorId: return IdValue(env, v);
    case kNumber: return Napi::Number::New(env, v);
    case kFalse: return Napi::Boolean::New(env, false);
    case kTrue: return Napi::Boolean::New(env, true);
    case kNumberList:
    case kTensorIdList: {
      size_t start = static_cast<size_t>(v), n = static_cast<size_t>(tape.lens[i]);
      Napi::Array a = Napi::Array::New(env, n);
      for (size_t j = 0; j < n; ++j) {
        double e = tape.list[start + j];
        a.Set(static_cast<uint32_t>(j), tape.tags[i] == kNumberList ? Napi::Value(Napi::Number::New(env, e)) : IdValue(env, e));
      }
      return a;
    }
    case kJs:
      if (extra.IsArray()) return extra.As<Napi::Array>().Get(static_cast<uint32_t>(v));
      return env.Undefined();
    default: return env.Undefined();
  }
}

Formal FormalOf(const c10::Argument& arg) {
  Formal f{Kind::kOther, false, arg.default_value(), arg.N() ? static_cast<size_t>(*arg.N()) : 1};
  c10::TypePtr t = arg.real_type();
  if (t->kind() == c10::TypeKind::OptionalType) {
    f.optional = true;
    t = t->castRaw<c10::OptionalType>()->getElementType();
  }
  auto scalar = [&](Kind plain, Kind opt) { return f.optional ? opt : plain; };
  switch (t->kind()) {
    case c10::TypeKind::TensorType: f.kind = scalar(Kind::kTensor, Kind::kOptTensor); break;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: f.kind = scalar(Kind::kInt, Kind::kOptInt); break;
    case c10::TypeKind::FloatType: f.kind = scalar(Kind::kFloat, Kind::kOptFloat); break;
    case c10::TypeKind::NumberType: f.kind = scalar(Kind::kScalar, Kind::kOptScalar); break;
    case c10::TypeKind::BoolType: f.kind = scalar(Kind::kBool, Kind::kOptBool); break;
    case c10::TypeKind::ListType: {
      c10::TypePtr e = t->castRaw<c10::ListType>()->getElementType();
      c10::TypeKind k = e->kind();
      if (k == c10::TypeKind::IntType || k == c10::TypeKind::SymIntType) f.kind = scalar(Kind::kIntList, Kind::kOptIntList);
      else if (f.optional) f.kind = Kind::kOther;
      else if (k == c10::TypeKind::FloatType) f.kind = Kind::kFloatList;
      else if (k == c10::TypeKind::TensorType) f.kind = Kind::kTensorList;
      else if (k == c10::TypeKind::OptionalType &&
               e->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType)
        f.kind = Kind::kOptTensorList;
      break;
    }
    default: break;
  }
  return f;
}

// Argument i from the tape, or false when it needs the general conversion (which then either
// converts it or throws the error naming the argument).
bool FromTape(const Formal& f, size_t i, c10::IValue* out) {
  int32_t tag = tape.tags[i];
  double v = tape.vals[i];
  if (tag == kNull) {
    if (!f.optional) return false;
    *out = c10::IValue();
    return true;
  }
  switch (f.kind) {
    case Kind::kTensor:
    case Kind::kOptTensor: {
      if (tag != kTensorId) return false;
      bool stale;
      const at::Tensor* t = Handles::Find(v, &stale);
      if (!t) return false;
      *out = *t;
      return true;
    }
    case Kind::kInt:
    case Kind::kOptInt:
      if (tag != kNumber || !Integral(v)) return false;
      *out = static_cast<int64_t>(v);
      return true;
    case Kind::kFloat:
    case Kind::kOptFloat:
      if (tag != kNumber) return false;
      *out = v;
      return true;
    case Kind::kScalar:
    case Kind::kOptScalar:
      if (tag == kTrue || tag == kFalse) { *out = tag == kTrue; return true; }
      if (tag != kNumber) return false;
      if (Integral(v)) *out = static_cast<int64_t>(v);
      else *out = v;
      return true;
    case Kind::kBool:
    case Kind::kOptBool:
      if (tag != kTrue && tag != kFalse) return false;
      *out = tag == kTrue;
      return true;
    case Kind::kIntList:
    case Kind::kOptIntList: {
      if (tag == kNumber) {
        if (!Integral(v)) return false;
        *out = c10::IValue(std::vector<int64_t>(f.n, static_cast<int64_t>(v)));
        return true;
      }
      if (tag != kNumberList) return false;
      const double* p = tape.list + static_cast<size_t>(v);
      std::vector<int64_t> r(static_cast<size_t>(tape.lens[i]));
      for (size_t j = 0; j < r.size(); ++j) {
        if (!Integral(p[j])) return false;
        r[j] = static_cast<int64_t>(p[j]);
      }
      *out = c10::IValue(std::move(r));
      return true;
    }
    case Kind::kFloatList: {
      if (tag == kNumber) { *out = c10::IValue(std::vector<double>(f.n, v)); return true; }
      if (tag != kNumberList) return false;
      const double* p = tape.list + static_cast<size_t>(v);
      *out = c10::IValue(std::vector<double>(p, p + tape.lens[i]));
      return true;
    }
    case Kind::kTensorList:
    case Kind::kOptTensorList: {
      size_t n = static_cast<size_t>(tape.lens[i]);
      if (tag != kTensorIdList && !(tag == kNumberList && n == 0)) return false;
      const double* p = tape.list + static_cast<size_t>(v);
      bool stale;
      if (f.kind == Kind::kTensorList) {
        std::vector<at::Tensor> r;
        r.reserve(n);
        for (size_t j = 0; j < n; ++j) {
          const at::Tensor* t = Handles::Find(p[j], &stale);
          if (!t) return false;
          r.push_back(*t);
        }
        *out = c10::IValue(std::move(r));
      } else {
        c10::List<c10::optional<at::Tensor>> r;
        r.reserve(n);
        for (size_t j = 0; j < n; ++j) {
          if (p[j] == -1) { r.push_back(c10::nullopt); continue; }
          const at::Tensor* t = Handles::Find(p[j], &stale);
          if (!t) return false;
          r.push_back(*t);
        }
        *out = c10::IValue(std::move(r));
      }
      return true;
    }
    case Kind::kOther: return false;
  }
  return false;
}

// Whether result `v` fits the tape (a tensor, None, a bool, a number, or a list of tensors).
bool Tapeable(const c10::IValue& v, size_t* list_used) {
  if (v.isTensor() || v.isNone() || v.isBool() || v.isInt() || v.isDouble()) return true;
  if (v.isTensorList()) {
    *list_used += v.toTensorList().size();
    return *list_used <= kTapeListCap;
  }
  return false;
}

void ToTape(Napi::Env env, c10::IValue v, size_t k, size_t* list_top) {
  if (v.isTensor()) {
    at::Tensor t = std::move(v).toTensor();
    if (t.defined()) { tape.tags[k] = kTensorId; tape.vals[k] = Handles::AddId(env, std::move(t)); }
    else tape.tags[k] = kNull;
  } else if (v.isNone()) {
    tape.tags[k] = kNull;
  } else if (v.isBool()) {
    tape.tags[k] = v.toBool() ? kTrue : kFalse;
  } else if (v.isInt()) {
    tape.tags[k] = kNumber;
    tape.vals[k] = static_cast<double>(v.toInt());
  } else if (v.isDouble()) {
    tape.tags[k] = kNumber;
    tape.vals[k] = v.toDouble();
  } else {  // a tensor list (Tapeable)
    auto list = v.toTensorVector();
    tape.tags[k] = kTensorIdList;
    tape.vals[k] = static_cast<double>(*list_top);
    tape.lens[k] = static_cast<int32_t>(list.size());
    for (auto& t : list) tape.list[(*list_top)++] = t.defined() ? Handles::AddId(env, std::move(t)) : -1;
  }
}

}  // namespace

// op(name, overload) -> id
Napi::Value LookupOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString())
    throw Napi::TypeError::New(env, "op(name, overload) takes two strings");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  std::string key = name + (overload.empty() ? "" : "." + overload);
  auto it = opIds.find(key);
  if (it != opIds.end()) return Napi::Number::New(env, static_cast<double>(it->second));
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw Napi::Error::New(env, "unknown op " + key + " in this libtorch");
  std::vector<Formal> formals;
  for (const auto& arg : handle->schema().arguments()) formals.push_back(FormalOf(arg));
  ops.push_back(Op{*handle, key, std::move(formals)});
  opIds[key] = ops.size() - 1;
  return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
}

// call(extra?) runs the op the tape names (hdr: id, argument count, flags: 1 discards the
// results) on the tape's arguments; extra holds the values tagged kJs. Results go on the tape
// (their count in hdr[3]) and undefined is returned, or, for results the tape cannot hold, they
// are returned as JS values (tensors as BigInt ids). `undefined` takes the schema's default.
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t id = tape.hdr[0];
  size_t nargs = static_cast<size_t>(std::max(0, std::min(tape.hdr[1], static_cast<int32_t>(kTapeSlots))));
  bool discard = tape.hdr[2] & 1;
  tape.hdr[3] = 0;
  if (id < 0 || static_cast<size_t>(id) >= ops.size()) throw Napi::Error::New(env, "call: unknown op id");
  const Op& op = ops[id];
  Napi::Value extra = info.Length() > 0 ? info[0] : env.Undefined();
  const auto& formal = op.handle.schema().arguments();
  if (nargs > formal.size())
    throw Napi::TypeError::New(env, op.name + ": takes " + std::to_string(formal.size()) +
                                        " arguments, got " + std::to_string(nargs));
  // One stack per nesting depth, reused: no allocation per call.
  static std::vector<std::unique_ptr<torch::jit::Stack>> stacks;
  static size_t depth = 0;
  if (depth == stacks.size()) stacks.push_back(std::make_unique<torch::jit::Stack>());
  torch::jit::Stack& stack = *stacks[depth];
  stack.clear();
  struct Depth {
    size_t& d;
    torch::jit::Stack& s;
    ~Depth() { s.clear(); --d; }
  } guard{++depth, stack};
  for (size_t i = 0; i < formal.size(); ++i) {
    const Formal& f = op.formals[i];
    if (i >= nargs || tape.tags[i] == kUndefined) {
      if (f.default_value) { stack.push_back(*f.default_value); continue; }
      if (f.optional) { stack.emplace_back(); continue; }
      throw Napi::TypeError::New(env, op.name + ": argument '" + formal[i].name() + "' is required");
    }
    stack.emplace_back();
    if (!FromTape(f, i, &stack.back()))
      stack.back() = ToIValue(env, JsArg(env, i, extra), formal[i].real_type(), op.name, formal[i]);
  }
  try {
    op.handle.callBoxed(stack);
  } catch (const std::exception& e) {
    std::vector<Napi::Value> args;
    for (size_t i = 0; i < nargs; ++i) args.push_back(tape.tags[i] == kUndefined ? env.Undefined() : JsArg(env, i, extra));
    const c10::Error* ce = dynamic_cast<const c10::Error*>(&e);
    throw Napi::Error::New(env, Context(op, args) + ": " + (ce ? ce->what_without_backtrace() : e.what()));
  }
  if (discard || stack.empty()) return env.Undefined();
  size_t list_used = 0;
  bool fits = stack.size() <= kTapeSlots;
  for (size_t i = 0; fits && i < stack.size(); ++i) fits = Tapeable(stack[i], &list_used);
  if (fits) {
    size_t list_top = 0;
    for (size_t i = 0; i < stack.size(); ++i) ToTape(env, std::move(stack[i]), i, &list_top);
    tape.hdr[3] = static_cast<int32_t>(stack.size());
    return env.Undefined();
  }
  if (stack.size() == 1) return FromIValue(env, std::move(stack[0]));
  Napi::Array out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) out.Set(i, FromIValue(env, std::move(stack[i])));
  return out;
}

// The tape's ArrayBuffer (made once; JS keeps views of it).
Napi::Value TapeBuffer(Napi::Env env) {
  if (tapeBuffer.IsEmpty()) {
    size_t bytes = (kTapeSlots + kTapeListCap) * sizeof(double) + (kTapeHeader + 2 * kTapeSlots) * sizeof(int32_t);
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
    auto* base = static_cast<uint8_t*>(buf.Data());
    tape.vals = reinterpret_cast<double*>(base);
    tape.list = tape.vals + kTapeSlots;
    tape.hdr = reinterpret_cast<int32_t*>(tape.list + kTapeListCap);
    tape.tags = tape.hdr + kTapeHeader;
    tape.lens = tape.tags + kTapeSlots;
    tapeBuffer = Napi::Persistent(buf);
    tapeBuffer.SuppressDestruct();
  }
  return tapeBuffer.Value();
}

// schema(name, overload) -> the schema as text, for messages and documentation.
Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= ops.size()) throw Napi::Error::New(info.Env(), "schema: unknown op id");
  std::ostringstream s;
  s << ops[id].handle.schema();
  return Napi::String::New(info.Env(), s.str());
}

}  // namespace contrastive

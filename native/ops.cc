// Generic op dispatch: any ATen op is called through the dispatcher's boxed convention. The op's
// schema says how to convert each JS argument, so a new op needs no new C++.
#include "ops.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>

#include "handle.h"

namespace contrastive {
namespace {

struct Op {
  c10::OperatorHandle handle;
  std::string name;  // "aten::add.Tensor"
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
    for (uint32_t i = 0; i < n; ++i)
      out.push_back(Handles::Get(a.Get(i), op + ": argument '" + arg.name() + "[" + std::to_string(i) + "]'"));
    return c10::IValue(std::move(out));
  }
  if (k == c10::TypeKind::OptionalType &&
      elem->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
    c10::List<c10::optional<at::Tensor>> out;
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value e = a.Get(i);
      if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
      else out.push_back(Handles::Get(e, op + ": argument '" + arg.name() + "[" + std::to_string(i) + "]'"));
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
      return Handles::Get(v, op + ": argument '" + arg.name() + "'");
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

Napi::Value FromIValue(Napi::Env env, c10::IValue v) {
  if (v.isTensor()) return Handles::Add(env, std::move(v).toTensor());
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorVector();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(i, Handles::Add(env, list[i]));
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

// "aten::conv2d(input: [1, 3, 8, 8] float32, weight: [4, 2, 3, 3] float32)"
std::string Context(const Op& op, const Napi::Array& args) {
  const auto& schema = op.handle.schema();
  std::string s = op.name + "(";
  bool first = true;
  for (uint32_t i = 0; i < args.Length() && i < schema.arguments().size(); ++i) {
    Napi::Value v = args.Get(i);
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
  ops.push_back(Op{*handle, key});
  opIds[key] = ops.size() - 1;
  return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
}

// call(id, args[], discard?) -> result(s). `undefined` takes the schema's default.
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= ops.size()) throw Napi::Error::New(env, "call: unknown op id");
  const Op& op = ops[id];
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, op.name + ": arguments must be an array");
  Napi::Array args = info[1].As<Napi::Array>();
  const auto& schema = op.handle.schema();
  const auto& formal = schema.arguments();
  if (args.Length() > formal.size())
    throw Napi::TypeError::New(env, op.name + ": takes " + std::to_string(formal.size()) +
                                        " arguments, got " + std::to_string(args.Length()));
  torch::jit::Stack stack;
  stack.reserve(formal.size());
  for (size_t i = 0; i < formal.size(); ++i) {
    const c10::Argument& arg = formal[i];
    Napi::Value v = i < args.Length() ? args.Get(i) : env.Undefined();
    if (v.IsUndefined()) {
      if (arg.default_value()) { stack.push_back(*arg.default_value()); continue; }
      if (arg.real_type()->kind() == c10::TypeKind::OptionalType) { stack.emplace_back(); continue; }
      throw Napi::TypeError::New(env, op.name + ": argument '" + arg.name() + "' is required");
    }
    stack.push_back(ToIValue(env, v, arg.real_type(), op.name, arg));
  }
  try {
    op.handle.callBoxed(stack);
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, Context(op, args) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, Context(op, args) + ": " + e.what());
  }
  if (info[2].ToBoolean() || stack.empty()) return env.Undefined();
  if (stack.size() == 1) return FromIValue(env, std::move(stack[0]));
  Napi::Array out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) out.Set(i, FromIValue(env, std::move(stack[i])));
  return out;
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

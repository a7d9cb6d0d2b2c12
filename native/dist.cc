// Data parallelism on PyTorch's own distributed engine (c10d): stores (TCPStore, FileStore),
// process groups (Gloo; NCCL where libtorch has it), collectives that wait with the group's
// timeout, a differentiable all_gather and DDP's Reducer (bucketed
// gradient all-reduce overlapped with backward). Generic: the policy lives in src/distributed/.
// Built when scripts/libtorch.mjs finds c10d's headers and Gloo's (CONTRASTIVE_C10D); otherwise
// every function throws an Error that says why.
#include "dist.h"

#include "handle.h"

#ifdef CONTRASTIVE_C10D
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#ifdef CONTRASTIVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

#include <chrono>
#include <mutex>
#include <unordered_map>

namespace contrastive {
namespace {

std::string Str(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), what + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

int64_t Int(const Napi::Value& v, const std::string& what) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || std::floor(d) != d) throw Napi::TypeError::New(v.Env(), what + " must be a non-negative integer");
  return static_cast<int64_t>(d);
}

std::vector<at::Tensor> Tensors(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + " must be an array of tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(Handles::Get(a.Get(i), what + "[" + std::to_string(i) + "]"));
  return out;
}

#ifdef CONTRASTIVE_C10D

using std::chrono::milliseconds;
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;

// Objects JS holds by numeric id (as tensors are held), freed explicitly by close(id).
struct Group {
  GroupPtr pg;
  int rank;
  int size;
};
std::mutex table_mutex;
std::unordered_map<int64_t, c10::intrusive_ptr<c10d::Store>> stores;
std::unordered_map<int64_t, Group> groups;
std::unordered_map<int64_t, std::unique_ptr<c10d::Reducer>> reducers;
int64_t next_id = 1;

template <typename Map>
auto& Find(Map& m, const Napi::Value& v, const char* what) {
  int64_t id = Int(v, what);
  std::lock_guard<std::mutex> lock(table_mutex);
  auto it = m.find(id);
  if (it == m.end()) throw Napi::Error::New(v.Env(), std::string(what) + " " + std::to_string(id) + " is closed or unknown");
  return it->second;
}

// The group of a differentiable collective's backward (it may run after close: an error then).
Group GroupById(int64_t id) {
  std::lock_guard<std::mutex> lock(table_mutex);
  auto it = groups.find(id);
  TORCH_CHECK(it != groups.end(), "the process group was closed before backward");
  return it->second;
}

void Wait(const c10::intrusive_ptr<c10d::Work>& work) {
  work->wait();  // the group's timeout bounds every transfer; an error or a lost peer throws here
}

// Gloo has no bfloat16: CPU bfloat16 tensors travel as float32 (exact) and come back as bfloat16.
bool Widen(const at::Tensor& t) { return t.scalar_type() == at::kBFloat16 && !t.is_cuda(); }

at::Tensor AllGather(const Group& g, const at::Tensor& x) {
  at::Tensor in = (Widen(x) ? x.detach().to(at::kFloat) : x.detach()).contiguous();
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < g.size; ++r) out[0].push_back(at::empty_like(in));
  std::vector<at::Tensor> inputs{in};
  Wait(g.pg->allgather(out, inputs));
  return at::cat(out[0], 0).to(x.scalar_type());
}

// In place on `t` (contiguous).
void AllReduce(const Group& g, at::Tensor& t, c10d::ReduceOp op) {
  std::vector<at::Tensor> ts{Widen(t) ? t.to(at::kFloat) : t};
  c10d::AllreduceOptions o;
  o.reduceOp = op;
  Wait(g.pg->allreduce(ts, o));
  if (Widen(t)) t.copy_(ts[0]);
}

// all_gather along dim 0 whose backward sums every rank's gradient of the gathered tensor and
// hands each rank its own rows: the gradient of a loss computed from the global batch reaches the
// rank that owns each row (the bug of lightly #59: a backward that keeps only the local gradient).
struct AllGatherFn : public torch::autograd::Function<AllGatherFn> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t group) {
    ctx->saved_data["group"] = group;
    ctx->saved_data["rows"] = x.size(0);
    return AllGather(GroupById(group), x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    Group g = GroupById(ctx->saved_data["group"].toInt());
    int64_t rows = ctx->saved_data["rows"].toInt();
    at::Tensor sum = grads[0].contiguous().clone();
    AllReduce(g, sum, c10d::ReduceOp::SUM);
    return {sum.narrow(0, g.rank * rows, rows).contiguous(), at::Tensor()};
  }
};

int64_t Register(c10::intrusive_ptr<c10d::Store> s) {
  std::lock_guard<std::mutex> lock(table_mutex);
  stores[next_id] = std::move(s);
  return next_id++;
}

// store({ kind: 'tcp', host, port, isServer, worldSize, timeoutMs } | { kind: 'file', path, worldSize, timeoutMs }) -> id
Napi::Value CreateStore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "store: options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  std::string kind = Str(o.Get("kind"), "store kind");
  int64_t world = Int(o.Get("worldSize"), "store worldSize");
  milliseconds timeout(Int(o.Get("timeoutMs"), "store timeoutMs"));
  if (kind == "file") {
    std::string path = Str(o.Get("path"), "store path");
    return Napi::Number::New(env, static_cast<double>(Guard(env, "FileStore " + path, [&] {
      auto s = c10::make_intrusive<c10d::FileStore>(path, static_cast<int>(world));
      s->setTimeout(timeout);
      return Register(s);
    })));
  }
  if (kind != "tcp") throw Napi::TypeError::New(env, "store kind must be 'tcp' or 'file', got '" + kind + "'");
  std::string host = Str(o.Get("host"), "store host");
  int64_t port = Int(o.Get("port"), "store port");
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = o.Get("isServer").ToBoolean();
  opts.numWorkers = static_cast<size_t>(world);
  opts.waitWorkers = false;
  opts.timeout = timeout;
  return Napi::Number::New(env, static_cast<double>(Guard(env, "TCPStore " + host + ":" + std::to_string(port), [&] {
    return Register(c10::make_intrusive<c10d::TCPStore>(host, opts));
  })));
}

// storeSet(id, key, value), storeGet(id, key) -> value (waits up to the store's timeout),
// storeAdd(id, key, n) -> the new count, storeCheck(id, keys) -> whether all are set.
Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  auto& s = Find(stores, info[0], "store");
  std::string key = Str(info[1], "store key");
  std::string value = Str(info[2], "store value");
  Guard(info.Env(), "store set " + key, [&] { s->set(key, std::vector<uint8_t>(value.begin(), value.end())); });
  return info.Env().Undefined();
}

Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  auto& s = Find(stores, info[0], "store");
  std::string key = Str(info[1], "store key");
  return Guard(info.Env(), "store get " + key, [&] {
    std::vector<uint8_t> v = s->get(key);
    return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
  });
}

Napi::Value StoreAdd(const Napi::CallbackInfo& info) {
  auto& s = Find(stores, info[0], "store");
  std::string key = Str(info[1], "store key");
  double n = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  return Guard(info.Env(), "store add " + key, [&] {
    return Napi::Number::New(info.Env(), static_cast<double>(s->add(key, static_cast<int64_t>(n))));
  });
}

Napi::Value StoreCheck(const Napi::CallbackInfo& info) {
  auto& s = Find(stores, info[0], "store");
  std::vector<std::string> keys;
  if (!info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "store check: keys must be an array");
  Napi::Array a = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) keys.push_back(Str(a.Get(i), "store key"));
  return Guard(info.Env(), "store check", [&] { return Napi::Boolean::New(info.Env(), s->check(keys)); });
}

GroupPtr MakeGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, milliseconds timeout,
                  const std::string& iface, const std::string& host) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  opts->devices.push_back(!iface.empty() ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                          : !host.empty() ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                          : c10d::ProcessGroupGloo::createDefaultDevice());
  opts->threads = 2;
  auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
#if TORCH_VERSION_MAJOR >= 2
  // torch 2 splits a group from its backends (not compiled on this project's CI: see dist.h).
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(store, rank, size, c10::make_intrusive<c10d::ProcessGroup::Options>("gloo", timeout));
  pg->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
  return pg;
#else
  return gloo;
#endif
}

// group(store, rank, size, { backend: 'gloo'|'nccl', timeoutMs, iface, host }) -> id
Napi::Value CreateGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto store = Find(stores, info[0], "store");
  int rank = static_cast<int>(Int(info[1], "group rank"));
  int size = static_cast<int>(Int(info[2], "group size"));
  if (!info[3].IsObject()) throw Napi::TypeError::New(env, "group: options must be an object");
  Napi::Object o = info[3].As<Napi::Object>();
  std::string backend = Str(o.Get("backend"), "group backend");
  milliseconds timeout(Int(o.Get("timeoutMs"), "group timeoutMs"));
  std::string iface = o.Get("iface").IsString() ? o.Get("iface").As<Napi::String>().Utf8Value() : "";
  std::string host = o.Get("host").IsString() ? o.Get("host").As<Napi::String>().Utf8Value() : "";
  std::string what = backend + " process group (rank " + std::to_string(rank) + " of " + std::to_string(size) +
                     ", the others joining within " + std::to_string(timeout.count() / 1000.0).substr(0, 5) + " s)";
  if (!(rank < size)) throw Napi::RangeError::New(env, what + ": rank must be below size");
  GroupPtr pg = Guard(env, what, [&]() -> GroupPtr {
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>(backend, store);
    if (backend == "gloo") return MakeGloo(prefixed, rank, size, timeout, iface, host);
#if defined(CONTRASTIVE_NCCL) && TORCH_VERSION_MAJOR < 2
    if (backend == "nccl") {
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      return c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, size, opts);
    }
#elif defined(CONTRASTIVE_NCCL)
    if (backend == "nccl") {
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, size, opts);
      auto pg = c10::make_intrusive<c10d::ProcessGroup>(prefixed, rank, size, c10::make_intrusive<c10d::ProcessGroup::Options>("nccl", timeout));
      pg->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, nccl);
      return pg;
    }
#endif
    throw std::invalid_argument("backend '" + backend + "' is not in this build (gloo" +
#ifdef CONTRASTIVE_NCCL
                                std::string(", nccl") +
#else
                                std::string("; nccl needs a CUDA libtorch with NCCL") +
#endif
                                ")");
  });
  std::lock_guard<std::mutex> lock(table_mutex);
  groups[next_id] = Group{pg, rank, size};
  return Napi::Number::New(env, static_cast<double>(next_id++));
}

c10d::ReduceOp ParseReduceOp(Napi::Env env, const Napi::Value& v) {
  std::string op = Str(v, "reduce op");
  if (op == "sum") return c10d::ReduceOp::SUM;
  if (op == "max") return c10d::ReduceOp::MAX;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  throw Napi::TypeError::New(env, "reduce op must be 'sum', 'max', 'min' or 'product', got '" + op + "'");
}

std::string Where(const Group& g, const std::string& op, const at::Tensor& t) {
  return op + " " + Describe(t) + " on rank " + std::to_string(g.rank) + " of " + std::to_string(g.size);
}

// allReduce(group, t, op): in place. broadcast(group, t, root): in place.
Napi::Value AllReduceInPlace(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  at::Tensor t = Handles::Get(info[1], "allReduce tensor");
  c10d::ReduceOp op = ParseReduceOp(info.Env(), info[2]);
  Guard(info.Env(), Where(g, "allReduce", t), [&] {
    TORCH_CHECK(t.is_contiguous(), "the tensor must be contiguous");
    at::NoGradGuard no_grad;
    AllReduce(g, t, op);
  });
  return info.Env().Undefined();
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  at::Tensor t = Handles::Get(info[1], "broadcast tensor");
  int64_t root = Int(info[2], "broadcast root");
  Guard(info.Env(), Where(g, "broadcast", t), [&] {
    TORCH_CHECK(t.is_contiguous(), "the tensor must be contiguous");
    TORCH_CHECK(root < g.size, "root ", root, " is not a rank");
    std::vector<at::Tensor> ts{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    Wait(g.pg->broadcast(ts, o));
  });
  return info.Env().Undefined();
}

// broadcastCoalesced(group, tensors, bufferBytes, root): DDP's broadcast of the initial state.
Napi::Value BroadcastCoalesced(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  std::vector<at::Tensor> ts = Tensors(info[1], "broadcastCoalesced tensors");
  int64_t bytes = Int(info[2], "broadcastCoalesced bufferBytes");
  int64_t root = Int(info[3], "broadcastCoalesced root");
  Guard(info.Env(), "broadcastCoalesced of " + std::to_string(ts.size()) + " tensors on rank " + std::to_string(g.rank), [&] {
    at::NoGradGuard no_grad;
    c10d::broadcast_coalesced(g.pg, ts, static_cast<size_t>(bytes), static_cast<int>(root));
  });
  return info.Env().Undefined();
}

// allGather(group, t, differentiable) -> (size x rows, ...), ranks in order.
Napi::Value AllGatherCat(const Napi::CallbackInfo& info) {
  int64_t id = Int(info[0], "group");
  Group g = Find(groups, info[0], "group");
  const at::Tensor& t = Handles::Get(info[1], "allGather tensor");
  bool grad = info[2].ToBoolean();
  return Guard(info.Env(), Where(g, "allGather", t), [&] {
    TORCH_CHECK(t.dim() > 0, "all_gather needs a tensor with a batch dimension, got a scalar");
    return Handles::Add(info.Env(), grad ? AllGatherFn::apply(t, id) : AllGather(g, t));
  });
}

// reduceScatter(group, t, op) -> rows / size of the reduced tensor, this rank's.
Napi::Value ReduceScatter(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  const at::Tensor& t = Handles::Get(info[1], "reduceScatter tensor");
  c10d::ReduceOp op = ParseReduceOp(info.Env(), info[2]);
  return Guard(info.Env(), Where(g, "reduceScatter", t), [&] {
    TORCH_CHECK(t.dim() > 0 && t.size(0) % g.size == 0, "dim 0 (", t.dim() ? t.size(0) : 0, ") must divide by the group size ", g.size);
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> out{at::empty_like(t.narrow(0, 0, t.size(0) / g.size)).contiguous()};
    std::vector<std::vector<at::Tensor>> in(1);
    for (const at::Tensor& c : t.detach().contiguous().chunk(g.size, 0)) in[0].push_back(c.contiguous());
    c10d::ReduceScatterOptions o;
    o.reduceOp = op;
    try {
      Wait(g.pg->reduce_scatter(out, in, o));
      return Handles::Add(info.Env(), out[0]);
    } catch (const c10::Error& e) {
      // Gloo before torch 2 has no reduce_scatter: the same result from all_reduce.
      if (std::string(e.what()).find("does not support reduce_scatter") == std::string::npos) throw;
      at::Tensor all = t.detach().contiguous().clone();
      AllReduce(g, all, op);
      return Handles::Add(info.Env(), all.narrow(0, g.rank * out[0].size(0), out[0].size(0)).contiguous());
    }
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  Guard(info.Env(), "barrier on rank " + std::to_string(g.rank) + " of " + std::to_string(g.size), [&] { Wait(g.pg->barrier()); });
  return info.Env().Undefined();
}

// reducer(group, params, bucketBytes, findUnused) -> id. DDP's: buckets in reverse parameter
// order (gradients arrive last layer first), the first one small so communication starts early.
Napi::Value CreateReducer(const Napi::CallbackInfo& info) {
  Group g = Find(groups, info[0], "group");
  std::vector<at::Tensor> params = Tensors(info[1], "reducer params");
  int64_t cap = Int(info[2], "reducer bucketBytes");
  bool find_unused = info[3].ToBoolean();
  return Guard(info.Env(), "reducer of " + std::to_string(params.size()) + " parameters on rank " + std::to_string(g.rank), [&] {
    const size_t first = std::min<size_t>(1024 * 1024, static_cast<size_t>(cap));
    std::vector<bool> sparse(params.size(), false);
    auto assignment = c10d::compute_bucket_assignment_by_size(params, {first, static_cast<size_t>(cap)}, sparse);
    auto buckets = std::get<0>(assignment);
    auto limits = std::get<1>(assignment);
    std::reverse(buckets.begin(), buckets.end());
    std::reverse(limits.begin(), limits.end());
    auto r = std::make_unique<c10d::Reducer>(params, buckets, limits, g.pg, sparse, cap, find_unused, false,
                                             std::unordered_map<size_t, std::string>{}, static_cast<int64_t>(first));
    std::lock_guard<std::mutex> lock(table_mutex);
    reducers[next_id] = std::move(r);
    return Napi::Number::New(info.Env(), static_cast<double>(next_id++));
  });
}

// reducerPrepare(id, outputs): before each backward (outputs are searched for unused parameters).
Napi::Value ReducerPrepare(const Napi::CallbackInfo& info) {
  auto& r = Find(reducers, info[0], "reducer");
  std::vector<at::Tensor> outputs = Tensors(info[1], "reducerPrepare outputs");
  Guard(info.Env(), "reducerPrepare", [&] {
    r->prepare_for_forward();
    r->prepare_for_backward(outputs);
  });
  return info.Env().Undefined();
}

// close(kind, id): frees a store, group or reducer; closing twice is a no-op.
Napi::Value Close(const Napi::CallbackInfo& info) {
  std::string kind = Str(info[0], "close kind");
  int64_t id = Int(info[1], "close id");
  std::unique_ptr<c10d::Reducer> r;
  GroupPtr pg;
  c10::intrusive_ptr<c10d::Store> s;
  {
    std::lock_guard<std::mutex> lock(table_mutex);
    if (kind == "reducer" && reducers.count(id)) r = std::move(reducers[id]), reducers.erase(id);
    if (kind == "group" && groups.count(id)) pg = groups[id].pg, groups.erase(id);
    if (kind == "store" && stores.count(id)) s = stores[id], stores.erase(id);
  }
  Guard(info.Env(), "close " + kind, [&] { r.reset(); });
  return info.Env().Undefined();
}

#endif  // CONTRASTIVE_C10D

Napi::Value Available(const Napi::CallbackInfo& info) {
#ifdef CONTRASTIVE_C10D
  Napi::Array b = Napi::Array::New(info.Env());
  b.Set(0u, "gloo");
#ifdef CONTRASTIVE_NCCL
  b.Set(1u, "nccl");
#endif
  return b;
#else
  return Napi::Array::New(info.Env());
#endif
}

}  // namespace

void InitDist(Napi::Env env, Napi::Object exports) {
  Napi::Object d = Napi::Object::New(env);
  d.Set("backends", Napi::Function::New(env, Available));
#ifdef CONTRASTIVE_C10D
  d.Set("store", Napi::Function::New(env, CreateStore));
  d.Set("storeSet", Napi::Function::New(env, StoreSet));
  d.Set("storeGet", Napi::Function::New(env, StoreGet));
  d.Set("storeAdd", Napi::Function::New(env, StoreAdd));
  d.Set("storeCheck", Napi::Function::New(env, StoreCheck));
  d.Set("group", Napi::Function::New(env, CreateGroup));
  d.Set("allReduce", Napi::Function::New(env, AllReduceInPlace));
  d.Set("broadcast", Napi::Function::New(env, Broadcast));
  d.Set("broadcastCoalesced", Napi::Function::New(env, BroadcastCoalesced));
  d.Set("allGather", Napi::Function::New(env, AllGatherCat));
  d.Set("reduceScatter", Napi::Function::New(env, ReduceScatter));
  d.Set("barrier", Napi::Function::New(env, Barrier));
  d.Set("reducer", Napi::Function::New(env, CreateReducer));
  d.Set("reducerPrepare", Napi::Function::New(env, ReducerPrepare));
  d.Set("close", Napi::Function::New(env, Close));
#endif
  exports.Set("dist", d);
}

}  // namespace contrastive

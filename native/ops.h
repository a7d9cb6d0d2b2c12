#pragma once
#include <napi.h>

#include <cstddef>

namespace contrastive {
// The tape shared with src/tensor/tensor.ts: Float64 vals[kTapeSlots], Float64 list[kTapeListCap],
// Int32 hdr[kTapeHeader], Int32 tags[kTapeSlots], Int32 lens[kTapeSlots], in that order.
constexpr size_t kTapeSlots = 64;
constexpr size_t kTapeListCap = 4096;
constexpr size_t kTapeHeader = 4;
Napi::Value LookupOp(const Napi::CallbackInfo& info);
Napi::Value CallOp(const Napi::CallbackInfo& info);
Napi::Value OpSchema(const Napi::CallbackInfo& info);
Napi::Value TapeBuffer(Napi::Env env);
}  // namespace contrastive

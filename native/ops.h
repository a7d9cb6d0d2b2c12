#pragma once
#include <napi.h>

namespace contrastive {
Napi::Value LookupOp(const Napi::CallbackInfo& info);
Napi::Value CallOp(const Napi::CallbackInfo& info);
Napi::Value OpSchema(const Napi::CallbackInfo& info);
}  // namespace contrastive

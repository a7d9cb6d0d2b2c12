// c10d for data parallelism (native/dist.cc). Built with CONTRASTIVE_C10D, which
// scripts/libtorch.mjs defines when libtorch ships c10d's headers and Gloo's are installed
// (Debian: libgloo-dev): by default for libtorch 1.x, whose API CI compiles; for 2.x only with
// CONTRASTIVE_C10D=1 in the environment, until scripts/device-check.sh has compiled it there.
#pragma once
#include <napi.h>

namespace contrastive {
// Registers `exports.dist`: backends() always; the store, group, collective and reducer functions
// when built with c10d.
void InitDist(Napi::Env env, Napi::Object exports);
}  // namespace contrastive

// The Node-API bindings: each kernel takes the tensors' own typed arrays (their memory, no
// copies) with element offsets and strides, and writes into an output array the caller made.
// Shapes are checked in TypeScript (src/backend/native/); here only that every view stays
// inside its array, so a wrong call throws instead of reading past the end.
#include <napi.h>

#include <cstdint>
#include <string>

#include "cpu.h"
#include "gemm.h"
#include "threads.h"

namespace {

using dlab::Isa;

int64_t Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double Num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

template <class T>
T* Data(const Napi::CallbackInfo& info, size_t i, size_t* length) {
  auto array = info[i].As<Napi::TypedArrayOf<T>>();
  *length = array.ElementLength();
  return array.Data();
}

/** Throws unless every element of the strided view (offset, dims[d], strides[d]) lies in [0, length). */
void CheckSpan(Napi::Env env, size_t length, int64_t offset, const int64_t* dims, const int64_t* strides, int nd) {
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < nd; d++) {
    if (dims[d] == 0) return;
    int64_t reach = (dims[d] - 1) * strides[d];
    if (reach < 0) lo += reach; else hi += reach;
  }
  if (lo < 0 || hi >= static_cast<int64_t>(length)) throw Napi::RangeError::New(env, "dlab native: view outside its array");
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", dlab::isa_name(dlab::cpu_isa()));
  o.Set("detected", dlab::isa_name(dlab::detected_isa()));
  o.Set("threads", dlab::num_threads());
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  dlab::set_num_threads(static_cast<int>(Int(info, 0)));
  return info.Env().Undefined();
}

/** For tests: run on a lower ISA ('portable', 'avx2', 'avx512'); returns the one in effect. */
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  Isa isa = name == "avx512" ? Isa::Avx512 : name == "avx2" ? Isa::Avx2 : Isa::Portable;
  return Napi::String::New(info.Env(), dlab::isa_name(dlab::set_cpu_isa(isa)));
}

/** matmul(a, aOffset, aStrides[3], b, bOffset, bStrides[3], B, M, N, K, out): out[B, M, N] = a[B, M, K] . b[B, K, N]. */
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t alen, blen, clen;
  const float* a = Data<float>(info, 0, &alen);
  int64_t aoff = Int(info, 1);
  int64_t sa[3] = {Int(info, 2), Int(info, 3), Int(info, 4)};
  const float* b = Data<float>(info, 5, &blen);
  int64_t boff = Int(info, 6);
  int64_t sb[3] = {Int(info, 7), Int(info, 8), Int(info, 9)};
  int64_t B = Int(info, 10), M = Int(info, 11), N = Int(info, 12), K = Int(info, 13);
  float* c = Data<float>(info, 14, &clen);
  int64_t adims[3] = {B, M, K}, bdims[3] = {B, K, N};
  CheckSpan(env, alen, aoff, adims, sa, 3);
  CheckSpan(env, blen, boff, bdims, sb, 3);
  if (static_cast<int64_t>(clen) < B * M * N) throw Napi::RangeError::New(env, "dlab native: output too small");
  dlab::sgemm_batched(B, M, N, K, a + aoff, sa, b + boff, sb, c);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  return exports;
}

}  // namespace

NODE_API_MODULE(dlab_native, Init)

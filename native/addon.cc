// The Node-API bindings: each kernel takes the tensors' own typed arrays (their memory, no
// copies) with element offsets and strides, and writes into an output array the caller made.
// Shapes are checked in TypeScript (src/backend/native/); here only that every view stays
// inside its array, so a wrong call throws instead of reading past the end.
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cpu.h"
#include "gemm.h"
#include "kernels.h"
#include "threads.h"

namespace {

using dlab::Isa;

int64_t Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double Num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

/** A contiguous float32 operand: (array, offset) at i, i + 1, with `count` elements from the offset. */
float* F32(const Napi::CallbackInfo& info, size_t i, int64_t count) {
  auto array = info[i].As<Napi::Float32Array>();
  int64_t offset = Int(info, i + 1);
  if (offset < 0 || count < 0 || offset + count > static_cast<int64_t>(array.ElementLength()))
    throw Napi::RangeError::New(info.Env(), "dlab native: view outside its array");
  return array.Data() + offset;
}

double* F64(const Napi::CallbackInfo& info, size_t i, int64_t count) {
  auto array = info[i].As<Napi::Float64Array>();
  int64_t offset = Int(info, i + 1);
  if (offset < 0 || count < 0 || offset + count > static_cast<int64_t>(array.ElementLength()))
    throw Napi::RangeError::New(info.Env(), "dlab native: view outside its array");
  return array.Data() + offset;
}

/** The 16 numbers of a convolution or pooling geometry from argument i on (N, C, H, W, O, groups, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW). */
dlab::ConvGeometry Geometry(const Napi::CallbackInfo& info, size_t i) {
  dlab::ConvGeometry g;
  int64_t* f[] = {&g.N, &g.C, &g.H, &g.W, &g.O, &g.groups, &g.kH, &g.kW, &g.sH, &g.sW, &g.pH, &g.pW, &g.dH, &g.dW, &g.oH, &g.oW};
  for (size_t k = 0; k < 16; k++) *f[k] = Int(info, i + k);
  for (size_t k = 0; k < 16; k++)
    if (*f[k] < 0 || (k >= 5 && k != 10 && k != 11 && k < 14 && *f[k] == 0)) throw Napi::RangeError::New(info.Env(), "dlab native: bad geometry");
  if (g.C % g.groups != 0 || g.O % g.groups != 0) throw Napi::RangeError::New(info.Env(), "dlab native: bad geometry");
  return g;
}

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

/** For measurements and tests: 'auto', 'direct' or 'gemm' convolution where both apply, or 'winograd' wherever it applies. */
Napi::Value SetConvAlgorithm(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  dlab::set_conv_algorithm(name == "direct" ? dlab::ConvAlgorithm::Direct : name == "gemm" ? dlab::ConvAlgorithm::Gemm : name == "winograd" ? dlab::ConvAlgorithm::Winograd : dlab::ConvAlgorithm::Auto);
  return info.Env().Undefined();
}

/**
 * matmul(a, aOffset, aStrides[3], b, bOffset, bStrides[3], B, M, N, K, out[, bias, biasOffset]):
 * out[B, M, N] = a[B, M, K] . b[B, K, N], plus bias (N contiguous floats) on each row if given.
 */
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
  const float* bias = nullptr;
  if (info.Length() > 15 && !info[15].IsNull()) {
    size_t len;
    bias = Data<float>(info, 15, &len);
    int64_t boffset = Int(info, 16), bdims[1] = {N}, bstrides[1] = {1};
    CheckSpan(env, len, boffset, bdims, bstrides, 1);
    bias += boffset;
  }
  dlab::sgemm_batched(B, M, N, K, a + aoff, sa, b + boff, sb, c, bias);
  return env.Undefined();
}

/** conv2d(x, xo, w, wo, bias | null, bo, y, yo, ...geometry) */
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  dlab::ConvGeometry g = Geometry(info, 8);
  const float* x = F32(info, 0, g.N * g.C * g.H * g.W);
  const float* w = F32(info, 2, g.O * (g.C / g.groups) * g.kH * g.kW);
  const float* bias = info[4].IsNull() ? nullptr : F32(info, 4, g.O);
  float* y = F32(info, 6, g.N * g.O * g.oH * g.oW);
  dlab::conv2d_forward(g, x, w, bias, y);
  return info.Env().Undefined();
}

/** conv2dInputGrad(gy, gyo, w, wo, dx, dxo, ...geometry) */
Napi::Value Conv2dInputGrad(const Napi::CallbackInfo& info) {
  dlab::ConvGeometry g = Geometry(info, 6);
  const float* gy = F32(info, 0, g.N * g.O * g.oH * g.oW);
  const float* w = F32(info, 2, g.O * (g.C / g.groups) * g.kH * g.kW);
  float* dx = F32(info, 4, g.N * g.C * g.H * g.W);
  dlab::conv2d_input_grad(g, gy, w, dx);
  return info.Env().Undefined();
}

/** conv2dWeightGrad(x, xo, gy, gyo, dw, dwo, db | null, dbo, ...geometry) */
Napi::Value Conv2dWeightGrad(const Napi::CallbackInfo& info) {
  dlab::ConvGeometry g = Geometry(info, 8);
  const float* x = F32(info, 0, g.N * g.C * g.H * g.W);
  const float* gy = F32(info, 2, g.N * g.O * g.oH * g.oW);
  float* dw = F32(info, 4, g.O * (g.C / g.groups) * g.kH * g.kW);
  float* db = info[6].IsNull() ? nullptr : F32(info, 6, g.O);
  dlab::conv2d_weight_grad(g, x, gy, dw, db);
  return info.Env().Undefined();
}

/** maxPool2d(x, xo, values, indices, ...geometry) (O = C, groups = 1) */
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  dlab::ConvGeometry g = Geometry(info, 4);
  const float* x = F32(info, 0, g.N * g.C * g.H * g.W);
  const int64_t n = g.N * g.C * g.oH * g.oW;
  auto values = info[2].As<Napi::Float32Array>();
  auto indices = info[3].As<Napi::Float64Array>();
  if (static_cast<int64_t>(values.ElementLength()) < n || static_cast<int64_t>(indices.ElementLength()) < n)
    throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::max_pool2d(g, x, values.Data(), indices.Data());
  return info.Env().Undefined();
}

/** maxPool2dBackward(grad, go, indices, io, planes, L, plane, out) */
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  int64_t planes = Int(info, 4), L = Int(info, 5), plane = Int(info, 6);
  const float* grad = F32(info, 0, planes * L);
  const double* indices = F64(info, 2, planes * L);
  auto out = info[7].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < planes * plane) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  if (!dlab::max_pool2d_backward(planes, L, plane, grad, indices, out.Data()))
    throw Napi::RangeError::New(info.Env(), "dlab native: max_pool2d index out of range");
  return info.Env().Undefined();
}

/** binary(op, a, ao, b, bo, p, q, bFirst, out, n) */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info, 0));
  int64_t p = Int(info, 5), q = Int(info, 6), n = Int(info, 9);
  if (op < 0 || op > 3 || p < 1 || q < 1 || n % (p * q) != 0) throw Napi::RangeError::New(info.Env(), "dlab native: bad binary call");
  const float* a = F32(info, 1, n);
  const float* b = F32(info, 3, q == 1 ? p : n / q);
  bool b_first = info[7].As<Napi::Boolean>();
  auto out = info[8].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < n) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::binary_f32(static_cast<dlab::BinaryOp>(op), a, b, p, q, b_first, out.Data(), n);
  return info.Env().Undefined();
}

/** unary(op, x, xo, out, n) */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info, 0));
  int64_t n = Int(info, 4);
  if (op < 0 || op > 8) throw Napi::RangeError::New(info.Env(), "dlab native: bad unary op");
  const float* x = F32(info, 1, n);
  auto out = info[3].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < n) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::unary_f32(static_cast<dlab::UnaryOp>(op), x, out.Data(), n);
  return info.Env().Undefined();
}

/** thresholdBackward(grad, go, self, so, threshold, out, n) */
Napi::Value ThresholdBackward(const Napi::CallbackInfo& info) {
  int64_t n = Int(info, 6);
  const float* grad = F32(info, 0, n);
  const float* self = F32(info, 2, n);
  auto out = info[5].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < n) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::threshold_backward_f32(grad, self, static_cast<float>(Num(info, 4)), out.Data(), n);
  return info.Env().Undefined();
}

/** axpy(out, oo, x, xo, alpha, n): out += alpha * x in place. */
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  int64_t n = Int(info, 5);
  float* out = F32(info, 0, n);
  const float* x = F32(info, 2, n);
  dlab::axpy_f32(out, x, static_cast<float>(Num(info, 4)), n);
  return info.Env().Undefined();
}

/** logSoftmax(x, xo, out, outer, size, inner) */
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  int64_t outer = Int(info, 3), size = Int(info, 4), inner = Int(info, 5);
  const float* x = F32(info, 0, outer * size * inner);
  auto out = info[2].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < outer * size * inner) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::log_softmax_f32(x, out.Data(), outer, size, inner);
  return info.Env().Undefined();
}

/** logSoftmaxBackward(g, go, out, oo, dx, outer, size, inner) */
Napi::Value LogSoftmaxBackward(const Napi::CallbackInfo& info) {
  int64_t outer = Int(info, 5), size = Int(info, 6), inner = Int(info, 7);
  const int64_t n = outer * size * inner;
  const float* g = F32(info, 0, n);
  const float* out = F32(info, 2, n);
  auto dx = info[4].As<Napi::Float32Array>();
  if (static_cast<int64_t>(dx.ElementLength()) < n) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::log_softmax_backward_f32(g, out, dx.Data(), outer, size, inner);
  return info.Env().Undefined();
}

/** sum(x, xo, out, rows, mid, inner): out[m] = sum over rows and inner. */
Napi::Value Sum(const Napi::CallbackInfo& info) {
  int64_t rows = Int(info, 3), mid = Int(info, 4), inner = Int(info, 5);
  const float* x = F32(info, 0, rows * mid * inner);
  auto out = info[2].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < mid) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::sum_f32(x, out.Data(), rows, mid, inner);
  return info.Env().Undefined();
}

/** minmax(isMax, x, xo, out, rows, mid, inner): out[m] = the max (min) over rows and inner, as sum. */
Napi::Value MinMax(const Napi::CallbackInfo& info) {
  bool is_max = info[0].As<Napi::Boolean>();
  int64_t rows = Int(info, 4), mid = Int(info, 5), inner = Int(info, 6);
  if (rows < 1 || inner < 1) throw Napi::RangeError::New(info.Env(), "dlab native: empty reduction");
  const float* x = F32(info, 1, rows * mid * inner);
  auto out = info[3].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) < mid) throw Napi::RangeError::New(info.Env(), "dlab native: output too small");
  dlab::minmax_f32(is_max, x, out.Data(), rows, mid, inner);
  return info.Env().Undefined();
}

/** Up to 8 dims of a JS array of integers. */
int Dims(const Napi::CallbackInfo& info, size_t i, int64_t* dst) {
  auto array = info[i].As<Napi::Array>();
  const uint32_t n = array.Length();
  if (n > 8) throw Napi::RangeError::New(info.Env(), "dlab native: too many dims");
  for (uint32_t d = 0; d < n; d++) dst[d] = array.Get(d).As<Napi::Number>().Int64Value();
  return static_cast<int>(n);
}

/** binaryStrided(op, a, ao, aStrides, b, bo, bStrides, shape, out): out (contiguous) = a op b, last dim's strides 0 or 1. */
Napi::Value BinaryStrided(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int op = static_cast<int>(Int(info, 0));
  int64_t sa[8], sb[8], shape[8];
  const int nd = Dims(info, 7, shape);
  if (Dims(info, 3, sa) != nd || Dims(info, 6, sb) != nd || op < 0 || op > 3) throw Napi::RangeError::New(env, "dlab native: bad binary call");
  int64_t n = 1;
  for (int d = 0; d < nd; d++) {
    if (shape[d] < 0) throw Napi::RangeError::New(env, "dlab native: bad binary call");
    n *= shape[d];
  }
  if (nd > 0 && ((sa[nd - 1] != 0 && sa[nd - 1] != 1) || (sb[nd - 1] != 0 && sb[nd - 1] != 1))) throw Napi::RangeError::New(env, "dlab native: bad binary call");
  size_t alen, blen, olen;
  const float* a = Data<float>(info, 1, &alen);
  const float* b = Data<float>(info, 4, &blen);
  float* out = Data<float>(info, 8, &olen);
  const int64_t ao = Int(info, 2), bo = Int(info, 5);
  if (n == 0) return env.Undefined();
  CheckSpan(env, alen, ao, shape, sa, nd);
  CheckSpan(env, blen, bo, shape, sb, nd);
  if (static_cast<int64_t>(olen) < n) throw Napi::RangeError::New(env, "dlab native: output too small");
  dlab::binary_strided_f32(static_cast<dlab::BinaryOp>(op), a + ao, sa, b + bo, sb, shape, nd, out);
  return env.Undefined();
}

/** indexSelect(x, xo, outer, size, inner, rows (Int32Array, each < size), out) */
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t outer = Int(info, 2), size = Int(info, 3), inner = Int(info, 4);
  if (outer < 0 || size < 0 || inner < 0) throw Napi::RangeError::New(env, "dlab native: bad indexSelect call");
  // float32 values, or float64 ones (dlab's int64: labels gathered with their images).
  const bool wide = info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
  auto rows = info[5].As<Napi::Int32Array>();
  const int64_t count = rows.ElementLength();
  const int32_t* at = rows.Data();
  for (int64_t r = 0; r < count; r++)
    if (at[r] < 0 || at[r] >= size) throw Napi::RangeError::New(env, "dlab native: index out of range");
  auto out = info[6].As<Napi::TypedArray>();
  if (out.TypedArrayType() != info[0].As<Napi::TypedArray>().TypedArrayType() || static_cast<int64_t>(out.ElementLength()) < outer * count * inner)
    throw Napi::RangeError::New(env, "dlab native: output too small");
  if (wide) dlab::index_select_f64(F64(info, 0, outer * size * inner), outer, size, inner, at, count, info[6].As<Napi::Float64Array>().Data());
  else dlab::index_select_f32(F32(info, 0, outer * size * inner), outer, size, inner, at, count, info[6].As<Napi::Float32Array>().Data());
  return env.Undefined();
}

/**
 * Every kernel result is a fresh ArrayBuffer, freed when V8 collects it. glibc returns large
 * freed blocks to the system (munmap above its mmap threshold, or trimming the heap's top), so
 * the next result's pages fault in again on first write: 1.5-3 us a 4 KB page on this VM, 0.19 ms
 * of a 0.2 ms ReLU on 1000 x 128 and 80 of the 100 ms of AlexNet's 4096 x 6400 weight gradient.
 * Serving every block from the heap (no mmap; a worker thread's large block falls back to the
 * main arena) and keeping up to 1 GB of freed top reuses pages instead, as PyTorch's caching
 * allocators do; the cost is that a process's peak heap is kept. DLAB_NATIVE_MALLOC=system keeps
 * glibc's defaults.
 */
void KeepFreedPages() {
#if defined(__GLIBC__)
  const char* keep = std::getenv("DLAB_NATIVE_MALLOC");
  if (keep != nullptr && std::string(keep) == "system") return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  KeepFreedPages();
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("setConvAlgorithm", Napi::Function::New(env, SetConvAlgorithm));
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dInputGrad", Napi::Function::New(env, Conv2dInputGrad));
  exports.Set("conv2dWeightGrad", Napi::Function::New(env, Conv2dWeightGrad));
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("thresholdBackward", Napi::Function::New(env, ThresholdBackward));
  exports.Set("axpy", Napi::Function::New(env, Axpy));
  exports.Set("logSoftmax", Napi::Function::New(env, LogSoftmax));
  exports.Set("logSoftmaxBackward", Napi::Function::New(env, LogSoftmaxBackward));
  exports.Set("sum", Napi::Function::New(env, Sum));
  exports.Set("minmax", Napi::Function::New(env, MinMax));
  exports.Set("binaryStrided", Napi::Function::New(env, BinaryStrided));
  exports.Set("indexSelect", Napi::Function::New(env, IndexSelect));
  return exports;
}

}  // namespace

NODE_API_MODULE(dlab_native, Init)

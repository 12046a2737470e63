#!/bin/sh
# Interleaved runs of tools/torch-cpu-times.py and scripts/native-cpu-times.ts (native, wasm), one
# JSON line each, ROUNDS times over: compare medians of CPU time on a shared machine.
#   sh tools/compare-native-torch.sh ROUNDS "THREADS..." "WORKLOAD[:N]..." [CORE]
# CORE: OPENBLAS_CORETYPE for PyTorch (default: OpenBLAS's own pick; `OPENBLAS_VERBOSE=2` names it).
rounds=${1:-3}; threads=${2:-"1 2"}; works=${3:-"matmul:512 matmul:1024 mlp-step lenet-step mlp-infer lenet-infer"}
[ -n "$4" ] && export OPENBLAS_CORETYPE=$4
for r in $(seq "$rounds"); do
  for t in $threads; do
    for w in $works; do
      name=${w%%:*}; n=${w#*:}; [ "$n" = "$w" ] && n=""
      OMP_NUM_THREADS=$t /usr/bin/python3 tools/torch-cpu-times.py "$t" "$name" $n
      npx tsx scripts/native-cpu-times.ts native "$t" "$name" $n
      npx tsx scripts/native-cpu-times.ts wasm "$t" "$name" $n
    done
  done
done

#!/usr/bin/env bash
# The regression tests again under two other oneDNN kernel paths and from perturbed
# initial values (tests/reference/README.md), the three passes side by side (each is
# mostly one busy thread), then each pass's output in turn. Fails if any pass fails.
# Usage: tests/kernel_passes.sh PYTHON PERTURBATION
set -u
PY=$1
PERTURB=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
names=("ONEDNN_MAX_CPU_ISA=AVX2" "TF_ENABLE_ONEDNN_OPTS=0" "LUCID_REPRO_PERTURB=$PERTURB")
pids=()
for i in 0 1 2; do
    env "${names[$i]}" "$PY" -m pytest -q -p no:cacheprovider -m regression tests > "$tmp/$i.log" 2>&1 &
    pids+=($!)
done
status=0
for i in 0 1 2; do
    wait "${pids[$i]}" || status=1
    echo "${names[$i]} pytest -m regression tests"
    cat "$tmp/$i.log"
done
exit $status

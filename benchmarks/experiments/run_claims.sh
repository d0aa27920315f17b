#!/bin/sh
# The issue-24 measurements as run in this session (128 px, 150-250 iterations; BUILD_NOTES
# "Random-weight VGG at the papers' settings"), then the docs sheets. The papers' sizes:
#   SIZE=256 ITERS=2000 ITERS_TEX=2000 ITERS_STYLE=2000 sh benchmarks/experiments/run_claims.sh
set -e
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD
S=${SIZE:-128}
E="nice -n 19 python benchmarks/experiments/random_vgg_claims.py"
nice -n 19 python benchmarks/experiments/random_vgg_spectrum.py
# claims 1 and 2 (the conv5_1 convergence curves: loss_curve in inversion.json)
$E inversion --size=$S --iters=${ITERS:-250} --layers=relu1_1,relu2_1,relu3_1,relu4_1,relu5_1,pool5
# the one change that the spectrum probe points at: a near-grey start instead of white noise
$E inversion --size=$S --iters=${ITERS:-250} --layers=relu4_1,relu5_1 --start_scale=0.1 --tag=grey_start
nice -n 19 python benchmarks/experiments/lowpass_ssim.py
# claim 3: Figure 8's rows, judged on trained VGG19, and one-change controls
$E textures --size=$S --iters=${ITERS_TEX:-150}
T="$E textures --nets=ranvgg19 --sets=3,4 --size=$S"
$T --iters=${ITERS_TEX:-150} --weighting=relative --tag=ctrl_relative
$T --iters=${ITERS_TEX:-150} --start_scale=0.1 --tag=ctrl_grey_start
# claim 4: style transfer, each net with its paper's layers and weights; control: beta x10
$E style --size=$S --iters=${ITERS_STYLE:-200}
$E style --nets=ranvgg19 --size=$S --iters=${ITERS_STYLE:-200} --style_weight=10 --tag=ctrl_beta10
nice -n 19 python benchmarks/experiments/make_sheets.py

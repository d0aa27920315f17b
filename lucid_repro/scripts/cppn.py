"""CPPN feature visualization, and morphs between trained CPPNs.

Train:
  python -m lucid_repro.scripts.cppn --model=vgg19 --objective=conv4_2:17 --size=224 \
      --render_size=1024 --output=cppn.png
  writes cppn.png (the trained CPPN rendered at --render_size), cppn_training.mp4 / .gif
  (a frame every --every steps) and cppn.npz (the weights).

Morph (no network needed):
  python -m lucid_repro.scripts.cppn --interpolate_from=a.npz --interpolate_to=b.npz \
      --frames=30 --render_size=512 --output=morph.png
  writes morph.png (8 frames side by side) and morph.mp4 / morph.gif (frames rendered
  from linearly interpolated weights, played forth and back).

A keras: model of other than 3 input channels gets a CPPN of as many outputs: grayscale
PNG and videos for 1 channel; for C > 3 a false-colour PNG of --bands plus every band in
<output>.npy, false-colour videos.
"""
from absl import flags

from lucid_repro.recipes.cppn import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("objective", D["objective"], "'layer:channel' (channel) or 'layer' (DeepDream)")
flags.DEFINE_integer("size", D["size"], "training resolution in pixels")
flags.DEFINE_integer("render_size", D["render_size"], "resolution of the final image / morph frames")
flags.DEFINE_integer("steps", D["steps"], "optimization steps")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate (Lucid's xy2rgb notebook: 0.005)")
flags.DEFINE_integer("every", D["every"], "a training-video frame every this many steps")
flags.DEFINE_bool("transforms", D["transforms"], "use transformation robustness (Lucid's CPPN notebook: none)")
flags.DEFINE_bool("relu_override", D["relu_override"], "Lucid's ReLU gradient override for the first 17 steps "
                  "(on in render_vis and --preset=article)")
flags.DEFINE_integer("layers", D["layers"], "CPPN hidden layers")
flags.DEFINE_integer("width", D["width"], "CPPN hidden channels")
flags.DEFINE_enum("activation", D["activation"], ["composite", "composite_unbiased", "relu_normalized"],
                  "CPPN activation")
flags.DEFINE_bool("normalize", D["normalize"], "instance normalization after each hidden layer")
flags.DEFINE_string("interpolate_from", None, "morph mode: first weights (.npz written by this script)")
flags.DEFINE_string("interpolate_to", None, "morph mode: last weights (.npz)")
flags.DEFINE_integer("frames", 30, "morph mode: number of frames (>= 2)")
flags.DEFINE_integer("fps", 15, "frames per second of the videos")
flags.DEFINE_string("output", "cppn.png", "output PNG (videos and weights are written beside it)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    from lucid_repro.errors import UserError

    morph_mode = bool(FLAGS.interpolate_from or FLAGS.interpolate_to)
    if not morph_mode:
        preset_flags.apply(SECTION)
    common.positive("render_size", FLAGS.render_size)
    common.positive("fps", FLAGS.fps)
    if morph_mode:
        if not (FLAGS.interpolate_from and FLAGS.interpolate_to):
            raise UserError("morph mode needs both --interpolate_from and --interpolate_to")
        if FLAGS.frames < 2:
            raise UserError(f"--frames must be at least 2, got {FLAGS.frames}")
        for path in (FLAGS.interpolate_from, FLAGS.interpolate_to):
            if not os.path.isfile(path):
                raise UserError(f"CPPN weight file not found: {path}")
    else:
        for name in ("size", "steps", "lr", "every", "layers", "width"):
            common.positive(name, getattr(FLAGS, name))
        common.finite("lr", FLAGS.lr, low=0, low_open=True)
    stem = os.path.splitext(FLAGS.output)[0]
    beside = [stem + ".mp4", stem + ".gif"] if morph_mode else \
        [stem + "_training.mp4", stem + "_training.gif", stem + ".npz", stem + ".json"]
    common.check_writable_output(FLAGS.output, also=beside)
    check_memory(morph_mode)
    from lucid_repro.optvis import objectives
    from lucid_repro.optvis.param.cppn import load_weights
    from lucid_repro.recipes import cppn

    if morph_mode:
        a, b = load_weights(FLAGS.interpolate_from), load_weights(FLAGS.interpolate_to)
        frames = cppn.morph(a, b, frames=FLAGS.frames, size=FLAGS.render_size)
        if frames[0].shape[-1] != 3:     # a grayscale or band model's CPPN: shown as RGB
            from lucid_repro.images import display_rgb
            bands = common.parse_bands(FLAGS.bands, frames[0].shape[-1]) if FLAGS.bands else None
            frames = [display_rgb(f, bands) for f in frames]
        paths = cppn.save_morph(frames, FLAGS.output, fps=FLAGS.fps)
        print("wrote " + ", ".join(paths))
        return
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    objectives.check_against(objective, model)
    result, p = cppn.train(model, objective, size=FLAGS.size, steps=FLAGS.steps, lr=FLAGS.lr,
                           every=FLAGS.every, use_transforms=FLAGS.transforms, seed=FLAGS.seed,
                           progress=FLAGS.progress, num_layers=FLAGS.layers,
                           num_hidden_channels=FLAGS.width, activation=FLAGS.activation,
                           normalize=FLAGS.normalize, relu_override=FLAGS.relu_override)
    if model.channels == 3:
        paths = cppn.save_training(result, p, FLAGS.output, render_size=FLAGS.render_size, fps=FLAGS.fps)
    else:
        paths = save_bands_training(result, p, model.channels)
    from lucid_repro.declaration import write_json
    paths.append(write_json(stem + ".json", {
        "objective": FLAGS.objective, "model": FLAGS.model, "start": float(-result.losses[0]),
        "final": float(-result.losses[-1]), "preset": preset_flags.record()}))
    print(f"objective {FLAGS.objective}: {-result.losses[0]:.4g} -> {-result.losses[-1]:.4g}")
    print("wrote " + ", ".join(paths))


def save_bands_training(result, p, channels):
    """A grayscale / C-band model's CPPN: the final image as `common.save_pictures` writes
    it (grayscale PNG; false colour of --bands + <output>.npy), the training videos in
    grayscale / false colour, the weights."""
    import os

    import numpy as np

    from lucid_repro.images import display_rgb, save_gif, save_mp4
    from lucid_repro.recipes.cppn import image_at
    stem = os.path.splitext(FLAGS.output)[0]
    bands = common.parse_bands(FLAGS.bands, channels) if FLAGS.bands else None
    frames = [display_rgb(np.asarray(img)[0], bands) for img in result.images]
    return common.save_pictures(FLAGS.output, image_at(p, FLAGS.render_size), FLAGS.bands) + [
        save_mp4(stem + "_training.mp4", frames, fps=FLAGS.fps),
        save_gif(stem + "_training.gif", frames[::max(1, len(frames) // 64)], fps=FLAGS.fps),
        p.save(stem + ".npz")]


# CPPN memory per pixel and hidden unit (layers x width): forward 760 B/px measured for the
# default 8 x 24 network at --render_size=2048 (4.0 bytes per unit); 6 leaves a margin.
CPPN_BYTES_PER_UNIT = 6
CPPN_TRAIN_FACTOR = 3            # the tape keeps every layer's activations for the backward pass
# a morph frame: float32 RGB, its uint8 copies for MP4 and GIF, played forth and back
# (measured 47 bytes per pixel and frame at 2048 px; counted as 5 float32 RGB images = 60)
MORPH_IMAGES_PER_FRAME = 5


def check_memory(morph_mode):
    """Refuse --render_size / --size / --frames / --steps that would not fit in memory,
    before anything is allocated."""
    from lucid_repro import limits
    r = FLAGS.render_size
    units = FLAGS.layers * FLAGS.width
    if morph_mode:
        est = limits.MemoryEstimate()
        est.add("CPPN evaluation", CPPN_BYTES_PER_UNIT * units * r * r)
        est.add("morph frames", limits.image_bytes(r, r, count=MORPH_IMAGES_PER_FRAME * FLAGS.frames))
        est.check(f"--render_size={r} --frames={FLAGS.frames}")
        return
    size = FLAGS.size
    snapshots = FLAGS.steps // FLAGS.every + 2
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, size, size, transforms=FLAGS.transforms))
    est.add("CPPN training", max(CPPN_TRAIN_FACTOR * CPPN_BYTES_PER_UNIT * units * size * size,
                                 CPPN_BYTES_PER_UNIT * units * r * r + limits.image_bytes(r, r, count=2)))
    est.add("training-video frames", limits.image_bytes(size, size, count=2 * snapshots))
    est.check(f"--size={size} --render_size={r} --steps={FLAGS.steps} --every={FLAGS.every}")


if __name__ == "__main__":
    common.run(main)

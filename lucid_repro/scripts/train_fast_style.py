"""Train a fast style-transfer network (Johnson et al. 2016) on a folder of content photos.

python -m lucid_repro.scripts.train_fast_style --style=starry_night --images=photos/ \
    --output=starry.keras                                   # one style, instance norm
python -m lucid_repro.scripts.train_fast_style --style=starry_night,the_scream \
    --norm=conditional_instance --images=photos/ --output=two.keras    # one network, two styles

--style takes paths or packaged names (starry_night, the_scream), comma-separated; several
styles need --norm=conditional_instance (Dumoulin et al. 2017). Training is the project's
render loop: a progress bar with the loss, a checkpoint next to the output
(`<output>.ckpt/`; Ctrl-C saves it and the current weights, `--resume` continues), a NaN
stops with one line. Writes the network (`.keras`, loads in Keras' safe mode), a sheet of
previews every --preview_every steps (`<stem>_previews.png`) and the losses
(`<stem>.json`). Stylize with `python -m lucid_repro.scripts.fast_style --model_file=...`.
"""
from absl import flags

from lucid_repro.models.transform_net import NORMS
from lucid_repro.recipes.fast_style import SECTION
from lucid_repro.scripts import collection_flags, common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("style", D["style"], "style image(s): paths or packaged names, comma-separated")
collection_flags.define()
flags.DEFINE_enum("norm", D["norm"], list(NORMS), "normalization: batch (Johnson), instance (Ulyanov), "
                  "conditional_instance (Dumoulin: several styles)")
flags.DEFINE_integer("size", D["size"], "training crop side in pixels (a multiple of 4)")
flags.DEFINE_integer("batch_size", D["batch_size"], "crops per step")
flags.DEFINE_integer("steps", D["steps"], "training steps")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate")
flags.DEFINE_integer("filters", D["filters"], "filters of the first conv (Johnson: 32)")
flags.DEFINE_integer("res_blocks", D["res_blocks"], "residual blocks (Johnson: 5)")
flags.DEFINE_integer("preview_every", D["preview_every"], "record a preview every N steps")
flags.DEFINE_string("style_layers", None, "comma-separated style layers (default: the model's configuration, "
                    "VGG19: relu1_1..relu5_1)")
flags.DEFINE_string("content_layers", None, "comma-separated content layers (default: VGG19's relu4_2)")
flags.DEFINE_string("output", "fast_style.keras", "the trained network (.keras)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    preset_flags.apply(SECTION)
    for name in ("size", "batch_size", "steps", "lr", "filters", "res_blocks", "preview_every"):
        common.positive(name, getattr(FLAGS, name))
    common.finite("lr", FLAGS.lr)
    if FLAGS.size % 4:
        raise common.UserError(f"--size must be a multiple of 4, got {FLAGS.size}")
    if not FLAGS.output.endswith(".keras"):
        raise common.UserError(f"--output must end in .keras, got {FLAGS.output}")
    style_names = [s.strip() for s in FLAGS.style.split(",") if s.strip()]
    if not style_names:
        raise common.UserError("--style is empty")
    if len(style_names) > 1 and FLAGS.norm != "conditional_instance":
        raise common.UserError(f"{len(style_names)} styles need --norm=conditional_instance, got --norm={FLAGS.norm}")
    check_memory()
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[stem + ".json", stem + "_previews.png"])
    from lucid_repro.assets import load, resolve_image
    for s in style_names:
        resolve_image(s, "styles")
    content = collection_flags.load()
    styles = [load(s, "styles") for s in style_names]

    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.optvis.checkpoint import Interrupted
    from lucid_repro.recipes import fast_style
    from lucid_repro.declaration import write_json
    model = common.load_model_from_flags()
    config = fast_style.style_config(model, style_layers=FLAGS.style_layers, content_layers=FLAGS.content_layers)
    thresholds = sorted(set(range(FLAGS.preview_every, FLAGS.steps, FLAGS.preview_every)) | {FLAGS.steps})
    from lucid_repro.models import transform_net
    net = transform_net.build(FLAGS.norm, n_styles=len(styles), filters=FLAGS.filters,
                              res_blocks=FLAGS.res_blocks, seed=FLAGS.seed)
    try:
        result = fast_style.train(model, styles, content, norm=FLAGS.norm, size=FLAGS.size,
                                  batch_size=FLAGS.batch_size, steps=FLAGS.steps, lr=FLAGS.lr, seed=FLAGS.seed,
                                  thresholds=thresholds, progress=FLAGS.progress, net=net,
                                  config=config)
    except Interrupted:
        transform_net.save(net, FLAGS.output)    # Ctrl-C keeps the last weights
        print(f"wrote the weights of the interrupted run to {FLAGS.output}")
        raise
    written = [transform_net.save(result.net, FLAGS.output)]
    written.append(save_image(stem + "_previews.png", contact_sheet([list(p) for p in result.previews])))
    hist = result.metric_history
    record = {"styles": style_names, "norm": FLAGS.norm, "images": content.source,
              "n_images": len(content), "size": FLAGS.size, "batch_size": FLAGS.batch_size,
              "steps": int(result.steps), "lr": FLAGS.lr, "seed": FLAGS.seed, "seconds": round(result.seconds, 1),
              "final_loss": float(result.losses[-1]),
              "final_style_loss": float(hist["style"][-1]), "final_content_loss": float(hist["content"][-1]),
              "preset": preset_flags.record()}
    written.append(write_json(stem + ".json", common.with_model_info(record, model)))
    print(f"loss {result.losses[0]:.4g} -> {result.losses[-1]:.4g} in {result.steps} steps "
          f"({result.seconds:.0f} s); wrote " + ", ".join(written))


def check_memory():
    """Refuse a crop size and batch whose training step would not fit in memory."""
    from lucid_repro import limits
    s, b = FLAGS.size, FLAGS.batch_size
    est = common.memory_estimate()
    est.add("loss network activations", limits.network_bytes(FLAGS.model, s, s, batch=2 * b))
    # the transformation network: ~(4 + 4 * res_blocks) maps of f..4f channels per image, kept for backprop
    est.add("transformation network", limits.image_bytes(s, s, channels=FLAGS.filters,
                                                         count=2 * b * (6 + 2 * FLAGS.res_blocks)))
    est.check(f"--size={s} --batch_size={b}")


if __name__ == "__main__":
    common.run(main)

"""3D style transfer: restyle a mesh's texture through random OpenGL views.

python -m lucid_repro.scripts.style_transfer_3d --model=vgg19 --mesh=bunny \
    --style=starry_night --texture_size=512 --view_size=224 --style_decay=0.95 --output_dir=out

--style is an image path or a short name from lucid_repro/data/styles (or
../shared/data/styles next to the repository). Writes into --output_dir:
style_transfer_3d_texture.png, style_transfer_3d_turntable.gif,
style_transfer_3d_mesh.obj/.mtl/.png and style_transfer_3d_metrics.json (seam
metric, style-loss spread over random views, losses, timings). --naive runs ordinary
2D style transfer on the flat texture image and wraps it on the mesh (files prefixed
style_transfer_3d_naive_).
"""
from absl import flags

from lucid_repro.recipes.style_transfer_3d import SECTION
from lucid_repro.scripts import common, limit_flags, mesh_flags, preset_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, meshes=True, memory=True)
preset_flags.define(SECTION)
mesh_flags.define(D, naive_help="2D style transfer of the flat texture",
                  output_dir="style_transfer_3d_out", mesh_help="needs its texture: tex.jpg or the MTL's map_Kd")
flags.DEFINE_string("style", D["style"], "style image path or short name")
flags.DEFINE_float("style_decay", D["style_decay"], "moving-average decay of the Gram matrices over views "
                   "(0 = each view on its own)")
flags.DEFINE_float("content_weight", None, "content weight (default: 100 for inception_v1 as in "
                   "the notebook, 4 for VGG19 with its normalized losses)")
flags.DEFINE_list("style_layers", None, "comma-separated style layers (default per model)")
flags.DEFINE_string("content_layer", None, "content layer (default per model)")
flags.DEFINE_integer("spread_views", D["spread_views"], "random views on which to measure the final style loss")
flags.DEFINE_enum("gram_average", D["gram_average"], ["lucid", "first"],
                  "moving average of the Grams: lucid = TF1's EMA starting at 0, not debiased "
                  "((1 - decay^t) G); first = starts at the first view's Grams")
flags.DEFINE_enum("batch_mode", D["batch_mode"], ["lucid", "content"],
                  "what the network sees each step (StyleConfig.batch_mode): lucid = [view, original view, "
                  "style image scaled to the view] through the transforms; content = Lucid's notebook: "
                  "[view, original view], style Grams once from the whole style image")
common.define_deprecated_alias("style_batch", "batch_mode")     # its name before issue 23
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.errors import UserError
    from lucid_repro.assets import load_square
    from lucid_repro.recipes import style_transfer_3d

    preset_flags.apply(SECTION)
    common.finite("style_decay", FLAGS.style_decay, low=0, high=1, high_open=True)
    common.finite("content_weight", FLAGS.content_weight, low=0, optional=True)
    if FLAGS.spread_views < 0:
        raise UserError(f"--spread_views must be >= 0, got {FLAGS.spread_views}")
    mesh = mesh_flags.check_and_load_mesh(batch=3)
    # bad inputs fail before the model loads
    style_transfer_3d.content_texture_of(mesh, 8)
    load_square(FLAGS.style, FLAGS.view_size)
    model = common.load_model_from_flags()
    cfg = style_transfer_3d.style_config(model, FLAGS.style_layers, FLAGS.content_layer,
                                         FLAGS.content_weight, batch_mode=FLAGS.batch_mode)
    paths = style_transfer_3d.run(model, FLAGS.style, FLAGS.output_dir, mesh=mesh,
                                  style_decay=FLAGS.style_decay, cfg=cfg,
                                  spread_views=FLAGS.spread_views, gram_average=FLAGS.gram_average,
                                  extra={"preset": preset_flags.record()}, **mesh_flags.run_options())
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")


if __name__ == "__main__":
    common.run(main)

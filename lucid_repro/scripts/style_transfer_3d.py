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

from lucid_repro.scripts import common

common.define_model_flags()
flags.DEFINE_string("mesh", "bunny", "packaged mesh name, directory of .3d buffers, or .obj file "
                    "(needs its texture: tex.jpg or the MTL's map_Kd)")
flags.DEFINE_string("style", "starry_night", "style image path or short name")
flags.DEFINE_integer("texture_size", 512, "texture side in texels (Lucid: 1024)")
flags.DEFINE_integer("view_size", 224, "rendered view side in pixels (Lucid: 512)")
flags.DEFINE_integer("steps", 300, "optimization steps, one random view each (Lucid: 400)")
flags.DEFINE_float("lr", 0.05, "Adam learning rate (Lucid's notebook: 0.05)")
flags.DEFINE_float("style_decay", 0.95, "moving-average decay of the Gram matrices over views "
                   "(0 = each view on its own)")
flags.DEFINE_float("content_weight", None, "content weight (default: 100 for inception_v1 as in "
                   "the notebook, 4 for VGG19 with its normalized losses)")
flags.DEFINE_list("style_layers", None, "comma-separated style layers (default per model)")
flags.DEFINE_string("content_layer", None, "content layer (default per model)")
flags.DEFINE_integer("frames", 24, "turntable GIF frames (>= 2)")
flags.DEFINE_integer("spread_views", 16, "random views on which to measure the final style loss")
flags.DEFINE_bool("naive", False, "baseline: 2D style transfer of the flat texture, wrapped on the mesh")
flags.DEFINE_integer("naive_size", None, "side of the flat image for --naive "
                     "(default: texture_size / texels per view pixel, same pattern scale)")
flags.DEFINE_string("output_dir", "style_transfer_3d_out", "directory for the outputs")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.errors import UserError
    from lucid_repro.assets import load_square
    from lucid_repro.gl import load_mesh, turntable
    from lucid_repro.outputs import style_transfer_3d as style_transfer_3d_files
    from lucid_repro.recipes import style_transfer_3d

    for name in ("texture_size", "view_size", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    if FLAGS.naive_size is not None:
        common.positive("naive_size", FLAGS.naive_size)
    common.finite("lr", FLAGS.lr)
    common.finite("style_decay", FLAGS.style_decay, low=0, high=1, high_open=True)
    common.finite("content_weight", FLAGS.content_weight, low=0, optional=True)
    if FLAGS.spread_views < 0:
        raise UserError(f"--spread_views must be >= 0, got {FLAGS.spread_views}")
    turntable.check_frames(FLAGS.frames)
    common.check_output_dir(FLAGS.output_dir)
    common.check_3d_memory(batch=3)
    # bad inputs fail before the model loads
    mesh = load_mesh(FLAGS.mesh, normalize=True)   # Lucid: meshutil.normalize_mesh
    style_transfer_3d.content_texture_of(mesh, 8)
    load_square(FLAGS.style, FLAGS.view_size)
    model = common.load_model_from_flags()
    cfg = style_transfer_3d.style_config(model, FLAGS.style_layers, FLAGS.content_layer,
                                         FLAGS.content_weight)
    paths = style_transfer_3d_files.run(model, FLAGS.style, FLAGS.output_dir, mesh=mesh,
                                        texture_size=FLAGS.texture_size, view_size=FLAGS.view_size,
                                        steps=FLAGS.steps, style_decay=FLAGS.style_decay, lr=FLAGS.lr,
                                        seed=FLAGS.seed, frames=FLAGS.frames, naive=FLAGS.naive,
                                        naive_size=FLAGS.naive_size, cfg=cfg,
                                        spread_views=FLAGS.spread_views, progress=FLAGS.progress)
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")


if __name__ == "__main__":
    common.run(main)

"""3D feature visualization: optimize a mesh's texture through random OpenGL views.

python -m lucid_repro.scripts.feature_vis_3d --model=vgg19 --mesh=bunny \
    --objective=conv4_2:17 --texture_size=512 --view_size=224 --steps=400 --output_dir=out

Writes into --output_dir: feature_vis_3d_texture.png, feature_vis_3d_turntable.gif,
feature_vis_3d_mesh.obj/.mtl/.png and feature_vis_3d_metrics.json (seam metric,
timings). --naive optimizes a flat 2D image instead and wraps it on the mesh
(files prefixed feature_vis_3d_naive_).
"""
from absl import flags

from lucid_repro.scripts import common

common.define_model_flags()
flags.DEFINE_string("mesh", "bunny", "packaged mesh name, directory of .3d buffers, or .obj file")
flags.DEFINE_string("objective", "conv4_2:17", "'layer:channel' (channel) or 'layer' (DeepDream)")
flags.DEFINE_integer("texture_size", 512, "texture side in texels (Lucid: 1024)")
flags.DEFINE_integer("view_size", 224, "rendered view side in pixels (Lucid: 512)")
flags.DEFINE_integer("steps", 400, "optimization steps, one random view each (Lucid: 400)")
flags.DEFINE_float("lr", 0.03, "Adam learning rate (Lucid's notebook: 0.03)")
flags.DEFINE_integer("frames", 24, "turntable GIF frames (>= 2)")
flags.DEFINE_bool("naive", False, "baseline: optimize a flat 2D image and wrap it on the mesh")
flags.DEFINE_integer("naive_size", None, "side of the flat image for --naive "
                     "(default: texture_size / texels per view pixel, same pattern scale)")
flags.DEFINE_string("output_dir", "feature_vis_3d_out", "directory for the outputs")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.gl import load_mesh, turntable

    # cheap checks first: bad sizes and meshes fail in a second, before TensorFlow loads
    for name in ("texture_size", "view_size", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    if FLAGS.naive_size is not None:
        common.positive("naive_size", FLAGS.naive_size)
    turntable.check_frames(FLAGS.frames)
    common.finite("lr", FLAGS.lr)
    common.check_output_dir(FLAGS.output_dir)
    common.check_3d_memory(batch=1)
    mesh = load_mesh(FLAGS.mesh, normalize=True)   # Lucid: meshutil.normalize_mesh

    from lucid_repro.optvis import objectives
    from lucid_repro.outputs import feature_vis_3d
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    objectives.check_against(objective, model)
    paths = feature_vis_3d.run(model, objective, FLAGS.output_dir, mesh=mesh,
                               texture_size=FLAGS.texture_size, view_size=FLAGS.view_size,
                               steps=FLAGS.steps, lr=FLAGS.lr, seed=FLAGS.seed, frames=FLAGS.frames,
                               naive=FLAGS.naive, naive_size=FLAGS.naive_size,
                               progress=FLAGS.progress)
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")


if __name__ == "__main__":
    common.run(main)

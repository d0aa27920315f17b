"""3D feature visualization: optimize a mesh's texture through random OpenGL views.

python -m lucid_repro.scripts.feature_vis_3d --model=vgg19 --mesh=bunny \
    --objective=conv4_2:17 --texture_size=512 --view_size=224 --steps=400 --output_dir=out

Writes into --output_dir: feature_vis_3d_texture.png, feature_vis_3d_turntable.gif,
feature_vis_3d_mesh.obj/.mtl/.png and feature_vis_3d_metrics.json (seam metric,
timings). --naive optimizes a flat 2D image instead and wraps it on the mesh
(files prefixed feature_vis_3d_naive_).
"""
from absl import flags

from lucid_repro.recipes.feature_vis_3d import SECTION
from lucid_repro.scripts import common, limit_flags, mesh_flags, preset_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, meshes=True, memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("objective", D["objective"], "'layer:channel' (channel) or 'layer' (DeepDream)")
mesh_flags.define(D, naive_help="optimize a flat 2D image", output_dir="feature_vis_3d_out")
FLAGS = flags.FLAGS


def main(argv):
    preset_flags.apply(SECTION)
    # cheap checks first: bad sizes and meshes fail in a second, before the model loads
    mesh = mesh_flags.check_and_load_mesh(batch=1)

    from lucid_repro.optvis import objectives
    from lucid_repro.recipes import feature_vis_3d
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    paths = feature_vis_3d.run(model, objective, FLAGS.output_dir, mesh=mesh,
                               extra={"preset": preset_flags.record()}, **mesh_flags.run_options())
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")


if __name__ == "__main__":
    common.run(main)

"""Flags shared by the 3D scripts (a mesh, its texture, random views, a turntable),
checked in a second, before the model loads."""
from absl import flags

from lucid_repro.scripts import common

FLAGS = flags.FLAGS
# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()


def define(defaults, naive_help, output_dir, mesh_help=""):
    """`defaults`: the section's "library" row (mesh, texture_size, view_size, steps, lr, frames)."""
    d = defaults
    flags.DEFINE_string("mesh", d["mesh"], "packaged mesh name, directory of .3d buffers, or .obj file"
                        + (f" ({mesh_help})" if mesh_help else ""))
    flags.DEFINE_integer("texture_size", d["texture_size"], "texture side in texels (Lucid: 1024)")
    flags.DEFINE_integer("view_size", d["view_size"], "rendered view side in pixels (Lucid: 512)")
    flags.DEFINE_integer("steps", d["steps"], "optimization steps, one random view each (Lucid: 400)")
    flags.DEFINE_float("lr", d["lr"], f"Adam learning rate (Lucid's notebook: {d['lr']:g})")
    flags.DEFINE_integer("frames", d["frames"], "turntable GIF frames (>= 2)")
    flags.DEFINE_bool("naive", False, f"baseline: {naive_help}, wrapped on the mesh")
    flags.DEFINE_integer("naive_size", None, "side of the flat image for --naive "
                         "(default: texture_size / texels per view pixel, same pattern scale)")
    flags.DEFINE_string("output_dir", output_dir, "directory for the outputs")


def check_and_load_mesh(batch):
    """Check the shared flags and the memory of a `batch`-image step; return the mesh
    (normalized as Lucid's `meshutil.normalize_mesh`)."""
    from lucid_repro.gl import load_mesh, turntable
    for name in ("texture_size", "view_size", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    if FLAGS.naive_size is not None:
        common.positive("naive_size", FLAGS.naive_size)
    common.finite("lr", FLAGS.lr)
    turntable.check_frames(FLAGS.frames)
    common.check_output_dir(FLAGS.output_dir)
    common.check_3d_memory(batch=batch)
    return load_mesh(FLAGS.mesh, normalize=True)


def run_options():
    """The shared flags as keyword arguments of the outputs' `run`."""
    return dict(texture_size=FLAGS.texture_size, view_size=FLAGS.view_size, steps=FLAGS.steps,
                lr=FLAGS.lr, seed=FLAGS.seed, frames=FLAGS.frames, naive=FLAGS.naive,
                naive_size=FLAGS.naive_size, progress=FLAGS.progress)

"""`make demo`: every figure at demo size, offline on VGG19, into --output_dir.

Each section is an outputs module's `demo(model, output_dir, quick, progress)`; a section
that cannot run here (e.g. class visualization without classifier weights) says
why and is skipped.
"""
import importlib
import os
import time

from absl import flags

from lucid_repro.scripts import common

common.define_model_flags()
flags.DEFINE_string("output_dir", "outputs", "where to write the figures")
flags.DEFINE_list("sections", [], "run only these sections (default: all)")
flags.DEFINE_bool("quick", False, "tiny sizes (seconds per section), for smoke tests")
FLAGS = flags.FLAGS

# (section name, recipe module) in the article's order, then the classic toolbox.
SECTIONS = [
    ("feature_vis", "lucid_repro.outputs.feature_vis"),
    ("aligned_interpolation", "lucid_repro.outputs.aligned_interpolation"),
    ("toy_basin", "lucid_repro.outputs.toy_basin"),
    ("style_transfer", "lucid_repro.outputs.style_transfer"),
    ("cppn", "lucid_repro.outputs.cppn"),
    ("transparency", "lucid_repro.outputs.transparency"),
    ("feature_vis_3d", "lucid_repro.outputs.feature_vis_3d"),
    ("style_transfer_3d", "lucid_repro.outputs.style_transfer_3d"),
    ("texture_synthesis", "lucid_repro.outputs.texture_synthesis"),
    ("feature_inversion", "lucid_repro.outputs.feature_inversion"),
    ("saliency", "lucid_repro.outputs.saliency"),
    ("class_vis", "lucid_repro.outputs.class_vis"),
    ("deepdream", "lucid_repro.outputs.deepdream"),
    ("adversarial", "lucid_repro.outputs.adversarial"),
]


def main(argv):
    unknown = [s for s in FLAGS.sections if s not in dict(SECTIONS)]
    if unknown:
        raise common.UserError(f"unknown section(s) {', '.join(unknown)}; valid: {', '.join(n for n, _ in SECTIONS)}")
    common.check_output_dir(FLAGS.output_dir)
    model = common.load_model_from_flags()
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    written = []
    for name, module in SECTIONS:
        if FLAGS.sections and name not in FLAGS.sections:
            continue
        start = time.time()
        print(f"[{name}] running ...", flush=True)
        section = importlib.import_module(module)
        paths = section.demo(model, os.path.join(FLAGS.output_dir, name), quick=FLAGS.quick,
                             progress=FLAGS.progress)
        for p in paths:
            print(f"[{name}] wrote {p}")
        print(f"[{name}] done in {time.time() - start:.0f} s", flush=True)
        written += paths
    print(f"demo finished: {len(written)} files under {os.path.abspath(FLAGS.output_dir)}")


if __name__ == "__main__":
    common.run(main)

"""`make demo`: every figure at demo size, offline on VGG19, into --output_dir, then one
page to see them all: <output_dir>/index.html (`lucid_repro.outputs.report`).

Each section is an outputs module's `demo(model, output_dir, quick, progress)`; a section
that cannot run here (e.g. class visualization without classifier weights) raises
`outputs.SectionSkipped` with the reason, which is printed and listed in the report.
One progress line per section: k/N, the section's time, the elapsed time and an estimate
of what is left. `<output_dir>/demo.json` records, per section, its status, time and files.
"""
import importlib
import os
import resource
import time

from absl import flags

from lucid_repro.scripts import common

common.define_model_flags()
flags.DEFINE_string("output_dir", "outputs", "where to write the figures")
flags.DEFINE_list("sections", [], "run only these sections (default: all)")
flags.DEFINE_bool("quick", False, "tiny sizes (seconds per section), for smoke tests")
flags.DEFINE_bool("report", True, "write <output_dir>/index.html at the end")
FLAGS = flags.FLAGS

# (section name, outputs module): the article's order, then the classic toolbox.
SECTIONS = [
    ("aligned_interpolation", "lucid_repro.outputs.aligned_interpolation"),
    ("style_transfer", "lucid_repro.outputs.style_transfer"),
    ("cppn", "lucid_repro.outputs.cppn"),
    ("transparency", "lucid_repro.outputs.transparency"),
    ("feature_vis_3d", "lucid_repro.outputs.feature_vis_3d"),
    ("style_transfer_3d", "lucid_repro.outputs.style_transfer_3d"),
    ("feature_vis", "lucid_repro.outputs.feature_vis"),
    ("texture_synthesis", "lucid_repro.outputs.texture_synthesis"),
    ("saliency", "lucid_repro.outputs.saliency"),
    ("class_vis", "lucid_repro.outputs.class_vis"),
    ("deepdream", "lucid_repro.outputs.deepdream"),
    ("feature_inversion", "lucid_repro.outputs.feature_inversion"),
    ("adversarial", "lucid_repro.outputs.adversarial"),
    ("toy_basin", "lucid_repro.outputs.toy_basin"),
    ("atlas", "lucid_repro.outputs.atlas"),
]

# Seconds each section took in one `make demo` on the 2-core build machine, shared with
# other jobs (BUILD_NOTES, "The HTML report"): the weights of the time-left estimate,
# rescaled as sections finish.
EXPECTED_SECONDS = {
    "aligned_interpolation": 107, "style_transfer": 110, "cppn": 104, "transparency": 93,
    "feature_vis_3d": 74, "style_transfer_3d": 82, "feature_vis": 231, "texture_synthesis": 107,
    "saliency": 13, "class_vis": 1, "deepdream": 31, "feature_inversion": 111, "adversarial": 56,
    "toy_basin": 1, "atlas": 100,
}


def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def time_left(done, todo, elapsed):
    """Estimate of the seconds left: the expected times of the sections still to run,
    scaled by how the finished ones compared with their expectation."""
    expected_done = sum(EXPECTED_SECONDS.get(n, 60) for n in done)
    scale = elapsed / expected_done if expected_done > 0 and elapsed > 0 else 1.0
    return scale * sum(EXPECTED_SECONDS.get(n, 60) for n in todo)


def cpu_seconds():
    """CPU time of this process and its children (the OpenGL server) so far: unlike the
    wall time, it does not grow when other jobs share the machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv):
    from lucid_repro.outputs import SectionSkipped, report, write_json
    unknown = [s for s in FLAGS.sections if s not in dict(SECTIONS)]
    if unknown:
        raise common.UserError(f"unknown section(s) {', '.join(unknown)}; valid: {', '.join(n for n, _ in SECTIONS)}")
    common.check_output_dir(FLAGS.output_dir)
    t_start = time.time()
    model = common.load_model_from_flags()
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    manifest = report.read_manifest(FLAGS.output_dir)     # keeps sections of earlier runs
    manifest.update({"model": model.name, "quick": bool(FLAGS.quick), "seed": FLAGS.seed,
                     "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "model_seconds": round(time.time() - t_start, 1)})
    sections = manifest.setdefault("sections", {})
    todo = [(n, m) for n, m in SECTIONS if not FLAGS.sections or n in FLAGS.sections]
    written, done = [], []
    for k, (name, module) in enumerate(todo, 1):
        start, cpu_start = time.time(), cpu_seconds()
        print(f"[{k}/{len(todo)}] [{name}] running ...", flush=True)
        section = importlib.import_module(module)
        record = {"quick": bool(FLAGS.quick), "model": model.name, "finished": None}
        try:
            paths = section.demo(model, os.path.join(FLAGS.output_dir, name), quick=FLAGS.quick,
                                 progress=FLAGS.progress)
            record["status"] = "done"
        except SectionSkipped as e:
            paths = []
            record.update(status="skipped", reason=str(e))
            print(f"[{name}] skipped: {e}")
        for p in paths:
            print(f"[{name}] wrote {p}")
        seconds = time.time() - start
        done.append(name)
        elapsed = time.time() - t_start
        left = time_left(done, [n for n, _ in todo[k:]], elapsed)
        record.update(seconds=round(seconds, 1), cpu_seconds=round(cpu_seconds() - cpu_start, 1),
                      finished=time.strftime("%Y-%m-%d %H:%M:%S"),
                      files=[os.path.relpath(p, FLAGS.output_dir) for p in paths])
        sections[name] = record
        manifest["total_seconds"] = round(elapsed, 1)
        write_json(os.path.join(FLAGS.output_dir, report.MANIFEST), manifest)
        verb = "done" if record["status"] == "done" else "skipped"
        print(f"[{k}/{len(todo)}] [{name}] {verb} in {seconds:.0f} s; elapsed {clock(elapsed)}, "
              f"about {clock(left)} left", flush=True)
        written += paths
    print(f"demo finished in {clock(time.time() - t_start)}: {len(written)} files under "
          f"{os.path.abspath(FLAGS.output_dir)}")
    if FLAGS.report:
        page = report.write_report(FLAGS.output_dir)
        print(f"report: {os.path.abspath(page)}")
        print(f"open it: file://{os.path.abspath(page)}")


if __name__ == "__main__":
    common.run(main)

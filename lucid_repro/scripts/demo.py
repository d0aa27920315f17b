"""`make demo`: every figure at demo size, offline on VGG19, into --output_dir, then one
page to see them all: <output_dir>/index.html (`lucid_repro.report`).

The sections are `lucid_repro.recipes.demo_sections()` (the one registry; each recipe
declares its `SECTION` and has a `demo(model, output_dir, quick, progress)` that
runs its "demo" settings row, or its "quick" row with --quick); a section
that cannot run here (e.g. class visualization without classifier weights) raises
`declaration.SectionSkipped` with the reason, which is printed and listed in the report.
One progress line per section: k/N, the section's time, the elapsed time and an estimate
of what is left. `<output_dir>/demo.json` records, per section, its status, time and files.
"""
import os
import resource
import time

from absl import flags

from lucid_repro.scripts import common

common.define_model_flags()
common.define_checkpoint_flags()
flags.DEFINE_string("output_dir", "outputs", "where to write the figures")
flags.DEFINE_list("sections", [], "run only these sections (default: all; the names are lucid_repro/recipes/<name>.py)")
flags.DEFINE_bool("quick", False, "tiny sizes (seconds per section), for smoke tests")
flags.DEFINE_bool("report", True, "write <output_dir>/index.html at the end")
FLAGS = flags.FLAGS


def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def time_left(done, todo, elapsed):
    """Estimate of the seconds left: the expected times of the sections still to run
    (each section's `expected_seconds`: one `make demo` on the 2-core build machine, shared
    with other jobs, BUILD_NOTES "The HTML report"), scaled by how the finished ones
    compared with their expectation."""
    from lucid_repro import recipes
    expected = {s.name: s.expected_seconds for s in recipes.registry()}
    expected_done = sum(expected.get(n, 60) for n in done)
    scale = elapsed / expected_done if expected_done > 0 and elapsed > 0 else 1.0
    return scale * sum(expected.get(n, 60) for n in todo)


def cpu_seconds():
    """CPU time of this process and its children (the OpenGL server) so far: unlike the
    wall time, it does not grow when other jobs share the machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv):
    from lucid_repro import report
    from lucid_repro.declaration import SectionSkipped, write_json
    from lucid_repro.recipes import demo_sections
    runnable = demo_sections()
    unknown = [s for s in FLAGS.sections if s not in {r.name for r in runnable}]
    if unknown:
        raise common.UserError(f"unknown section(s) {', '.join(unknown)}; valid: {', '.join(r.name for r in runnable)}")
    common.check_output_dir(FLAGS.output_dir)
    t_start = time.time()
    model = common.load_model_from_flags()
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    manifest = report.read_manifest(FLAGS.output_dir)     # keeps sections of earlier runs
    manifest.update({"model": model.name, "quick": bool(FLAGS.quick), "seed": FLAGS.seed,
                     "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "model_seconds": round(time.time() - t_start, 1)})
    sections = manifest.setdefault("sections", {})
    todo = [s for s in runnable if not FLAGS.sections or s.name in FLAGS.sections]
    written, done = [], []
    for k, section in enumerate(todo, 1):
        name = section.name
        start, cpu_start = time.time(), cpu_seconds()
        print(f"[{k}/{len(todo)}] [{name}] running ...", flush=True)
        record = {"quick": bool(FLAGS.quick), "model": model.name, "finished": None}
        try:
            paths = section.run_demo(model, os.path.join(FLAGS.output_dir, name), quick=FLAGS.quick,
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
        left = time_left(done, [s.name for s in todo[k:]], elapsed)
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

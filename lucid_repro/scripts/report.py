"""Write <output_dir>/index.html from an output folder (what `make demo` or the scripts
wrote): `python -m lucid_repro.scripts.report --output_dir=outputs`. `make demo` writes
it at the end too. Needs no network (the declarations it lays out are the recipes')."""
import os
import sys

from absl import app, flags

from lucid_repro.scripts import common

flags.DEFINE_string("output_dir", "outputs", "the folder to report on (index.html is written there)")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro import report
    out = FLAGS.output_dir
    if not out or not os.path.isdir(out):
        print(f"error: --output_dir {out} is not a directory", file=sys.stderr)
        sys.exit(2)
    if not os.access(out, os.W_OK):
        print(f"error: --output_dir {out} is not writable", file=sys.stderr)
        sys.exit(2)
    page = report.write_report(out)
    print(f"report: {os.path.abspath(page)}")


if __name__ == "__main__":
    app.run(main, flags_parser=common.parse_flags)

"""Break the code on purpose and see which regression tests notice.

Each breakage is a one-line edit a real bug could make. For each, the tree is copied
to a temporary directory, the edit applied there (the working tree is not touched),
`pytest -m regression` run against the copy, and the failing tests listed. A
breakage no regression test catches is a hole in the references.

    .venv/bin/python tools/break_check.py [NAME ...]

LUCID_REPRO_BREAK_DUMP=<dir> keeps each broken run's arrays under <dir>/<name>.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (file, old text, new text, what it models)
BREAKAGES = {
    "decorrelation_untransposed": (
        "lucid_repro/optvis/param/color.py",
        "tf.constant(COLOR_CORRELATION_NORMALIZED.T)", "tf.constant(COLOR_CORRELATION_NORMALIZED)",
        "colour-decorrelation matrix applied untransposed"),
    "jitter_off_by_one": (
        "lucid_repro/optvis/transforms.py",
        "offset = rng.uniform([2], 0, d + 1, dtype=tf.int32)", "offset = rng.uniform([2], 0, d, dtype=tf.int32)",
        "jitter's crop offset range one pixel short"),
    "pad_one_more": (
        "lucid_repro/optvis/transforms.py",
        "pad(12, mode=\"constant\", constant_value=0.5)", "pad(13, mode=\"constant\", constant_value=0.5)",
        "standard transforms pad 13 pixels instead of 12"),
    "adam_epsilon": (
        "lucid_repro/optvis/render.py",
        "tf.keras.optimizers.Adam(learning_rate=learning_rate, epsilon=1e-8)",
        "tf.keras.optimizers.Adam(learning_rate=learning_rate, epsilon=1e-7)",
        "Keras' default Adam epsilon instead of TF1's 1e-8"),
    "gram_centred": (
        "lucid_repro/optvis/style.py",
        "n = tf.cast(shape[1] * shape[2], acts.dtype)",
        "n = tf.cast(shape[1] * shape[2], acts.dtype); flat = flat - tf.reduce_mean(flat, 1, keepdims=True)",
        "Gram of mean-centred activations (a covariance) instead of Gatys' Gram"),
    "deepdream_step_doubled": (
        "lucid_repro/recipes/deepdream.py",
        "optimizer=tf.keras.optimizers.SGD(learning_rate=step_size)",
        "optimizer=tf.keras.optimizers.SGD(learning_rate=2 * step_size)",
        "DeepDream's gradient-ascent step twice as long"),
    "cppn_unbiased_activation": (
        "lucid_repro/optvis/param/cppn.py",
        "return tf.concat([x / 0.67, (x * x) / 0.6], -1)",
        "return tf.concat([x / 0.67, (x * x - 0.45) / 0.396], -1)",
        "CPPN's composite activation without Lucid's bias (the unbiased variant, a wrong activation)"),
    "guided_relu_as_plain": (
        "lucid_repro/optvis/attribution.py",
        "return dy * tf.cast(x > 0, dy.dtype) * tf.cast(dy > 0, dy.dtype)",
        "return dy * tf.cast(x > 0, dy.dtype)",
        "guided backprop's ReLU passes negative gradients (plain backprop)"),
}


def run(name):
    path, old, new, what = BREAKAGES[name]
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".venv", ".git", "outputs", "__pycache__"))
        target = os.path.join(tree, path)
        text = open(target).read()
        if text.count(old) != 1:
            return f"| {name} | {what} | edit does not apply (text changed?) |"
        open(target, "w").write(text.replace(old, new))
        env = dict(os.environ, PYTHONPATH=tree)
        if os.environ.get("LUCID_REPRO_BREAK_DUMP"):   # keep the broken arrays to measure them
            env["LUCID_REPRO_REGRESSION_DUMP"] = os.path.join(os.environ["LUCID_REPRO_BREAK_DUMP"], name)
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "regression",
                            "-rfE", os.path.join(tree, "tests")], cwd=tree, env=env, capture_output=True, text=True)
        lines = [line for line in r.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        failed = sorted(line.split()[1].split("::")[-1] for line in lines)
        # how far above its tolerance each broken reference landed (check_regression's message)
        ratios = sorted({f"{m[0]} {float(m[2]) / float(m[3]):.3g}x" for m in re.findall(
            r"E\s+AssertionError: (\w+): (max|p99|mean) \|diff\| ([-\d.e+]+) > ([-\d.e+]+)", r.stdout)})
        return (f"| {name} | {what} | {len(failed)}: {', '.join(failed) or 'NONE'} | "
                f"{', '.join(ratios) or '(an assertion other than a reference)'} |")


def main(names):
    print("| breakage | what it models | regression tests that failed | first failing measure / tolerance |")
    print("|---|---|---|---|")
    for name in names or BREAKAGES:
        print(run(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

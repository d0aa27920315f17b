"""The article's toy example: independent vs shared parameters in a double well.

python -m lucid_repro.scripts.toy_basin --trials=1000

Minimizes L(x) + L(y), L(z) = (z^2 - 1)^2, from small random starts, with x and y
independent variables or as x = u + s, y = v + s with a shared s; prints the
fraction of trials ending with x and y in the same basin (same sign). Independent
trials align about half the time; the shared parameter makes alignment likely.
"""
from absl import flags

from lucid_repro.recipes.toy_basin import SECTION
from lucid_repro.scripts import common, limit_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
limit_flags.define(memory=True)
flags.DEFINE_integer("trials", D["trials"], "number of independent trials (one batched parameterization)")
flags.DEFINE_integer("steps", D["steps"], "gradient-descent steps")
flags.DEFINE_float("lr", D["lr"], "learning rate (plain gradient descent)")
flags.DEFINE_float("sd", D["sd"], "standard deviation of every variable's initial value")
flags.DEFINE_integer("seed", 0, "random seed")
flags.DEFINE_string("output", None, "optional PNG: final (x, y) of each trial over the loss landscape "
                    "(green = aligned); a JSON with the fractions is written beside it")
FLAGS = flags.FLAGS


def main(argv):
    import json
    import os

    common.positive("trials", FLAGS.trials)
    common.positive("steps", FLAGS.steps)
    common.positive("lr", FLAGS.lr)
    common.positive("sd", FLAGS.sd)
    common.finite("lr", FLAGS.lr)
    common.finite("sd", FLAGS.sd)
    if FLAGS.output:
        common.check_writable_output(FLAGS.output, also=[os.path.splitext(FLAGS.output)[0] + ".json"])
    check_memory()
    from lucid_repro.files import atomic_path
    from lucid_repro.images import contact_sheet, save_image  # heavy imports after the checks
    from lucid_repro.recipes import toy_basin
    results = toy_basin.compare(trials=FLAGS.trials, steps=FLAGS.steps, lr=FLAGS.lr, sd=FLAGS.sd,
                                seed=FLAGS.seed)
    for name in ("independent", "shared"):
        r = results[name]
        print(f"{name:>11}: aligned {r['aligned']:.3f}  "
              f"(converged {r['converged']:.3f}, {FLAGS.trials} trials)")
    if FLAGS.output:
        save_image(FLAGS.output, contact_sheet([toy_basin.plot(results)]))
        summary = {k: {"aligned": v["aligned"], "converged": v["converged"]} for k, v in results.items()}
        summary.update(trials=FLAGS.trials, steps=FLAGS.steps, lr=FLAGS.lr, sd=FLAGS.sd, seed=FLAGS.seed)
        with atomic_path(os.path.splitext(FLAGS.output)[0] + ".json") as tmp:
            with open(tmp, "w") as f:
                json.dump(summary, f, indent=2)
        print(f"wrote {FLAGS.output}")


TRIAL_BYTES = 256   # per trial: (x, y), the shared variables, gradients, SGD temporaries, numpy copies


def check_memory():
    """Refuse a --trials count that would not fit in memory, before any allocation."""
    from lucid_repro import limits
    est = limits.MemoryEstimate()
    est.add("trials", TRIAL_BYTES * FLAGS.trials)
    est.check(f"--trials={FLAGS.trials}")


if __name__ == "__main__":
    common.run(main)

"""The article's toy example for aligned interpolation: basins of attraction.

Two variables x and y each minimize L(z) = (z^2 - 1)^2, which has two basins,
z = -1 and z = +1. Optimized independently from small random starts, x and y fall
into a basin each at random: they end up "aligned" (same sign) half the time.
With a shared parameter, x = u + s and y = v + s, the shared s receives the
gradient of both losses; near the unstable point 0 the symmetric direction x + y
then grows three times faster than x - y (rates 12 vs 4 for gradient descent),
so the pair usually falls into the same basin: the parameterization widens the
basin in which the solutions are aligned, without changing the objective.

Every trial is a row of one batched `Param`, optimized by the project's single loop
`render.render` (model=None, an objective on T("input") = [trials, 2] of (x, y)).
"""
import os

import numpy as np
import tensorflow as tf

from lucid_repro.declaration import Section, dig, fmt, read_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render


def numbers(out):
    r = read_json(out, "toy_basin/toy_basin.json")
    return [(f"fraction of trials ending aligned, {k} ({dig(r, 'trials')} trials)",
             fmt(dig(r, k, "aligned")), "none given (figure: shared variables fall in one basin)")
            for k in ("independent", "shared")]


SECTION = Section(
    name="toy_basin", part="classic", order=150, title="Toy basin: why shared parameterization aligns",
    claim="In a toy problem with two symmetric optima per variable, variables with a shared "
          "component fall into the same basin far more often than independent ones.",
    settings={
        "library": dict(trials=1000, steps=200, lr=0.05, sd=0.1),
        "demo": dict(trials=1000, steps=200, lr=0.05, sd=0.1),
        "quick": dict(trials=200, steps=200, lr=0.05, sd=0.1),
    },
    sources={"library": "ours (the article's argument made numerical)", "demo": "as library",
             "quick": "ours: fewer trials"},
    figures=(("toy_basin/toy_basin.png", "starting points coloured by outcome"),),
    numbers=numbers,
    describe="{trials} trials, plain gradient descent lr {lr}, {steps} steps; no network",
    expected_seconds=1,
)


DEFAULTS = dict(trials=1000, steps=200, lr=0.05, sd=0.1)


def basin_param(trials, shared, sd=0.1, seed=0):
    """A Param whose output is [trials, 2] = (x, y) per trial.

    Independent: x and y are variables. Shared: x = u + s, y = v + s with u, v, s
    variables. Every variable starts as N(0, sd^2)."""
    if trials <= 0:
        raise UserError(f"trials must be positive, got {trials}")
    rng = np.random.RandomState(seed)
    if not shared:
        xy = tf.Variable(rng.normal(0.0, sd, (trials, 2)).astype(np.float32), name="xy")
        return param.Param(lambda **_: tf.identity(xy), [xy], name="independent_xy")
    uv = tf.Variable(rng.normal(0.0, sd, (trials, 2)).astype(np.float32), name="uv")
    s = tf.Variable(rng.normal(0.0, sd, (trials, 1)).astype(np.float32), name="s")
    return param.Param(lambda **_: uv + s, [uv, s], name="shared_xy")


def double_well(z):
    return (z * z - 1.0) ** 2


def basin_objective():
    """-(sum over trials of L(x) + L(y)): a sum, so each trial's gradient is its own."""
    return objectives.Objective(lambda T: -tf.reduce_sum(double_well(T("input"))), ["input"], [],
                                "-(L(x) + L(y))")


def run(trials=1000, shared=False, steps=200, lr=0.05, sd=0.1, seed=0, progress=False, snapshots=None):
    """Optimize `trials` independent (x, y) pairs with plain gradient descent through
    `render.render`. Returns dict(xy=[trials, 2] final values, aligned=fraction with
    sign(x) == sign(y), converged=fraction with both |z| within 0.1 of 1, history)."""
    if steps <= 0 or lr <= 0 or sd <= 0:
        raise UserError(f"steps, lr and sd must be positive, got steps={steps} lr={lr} sd={sd}")
    thresholds = sorted(set(snapshots or ()) | {steps})
    result = render.render(None, basin_objective(),
                           param_f=lambda: basin_param(trials, shared, sd=sd, seed=seed),
                           optimizer=tf.keras.optimizers.SGD(learning_rate=lr), transforms=[],
                           thresholds=thresholds, seed=seed, progress=progress,
                           description="shared" if shared else "independent")
    xy = result.images[-1]
    return dict(xy=xy, aligned=float(np.mean(np.sign(xy[:, 0]) == np.sign(xy[:, 1]))),
                converged=float(np.mean(np.all(np.abs(np.abs(xy) - 1.0) < 0.1, axis=1))),
                history=result.images, losses=result.losses)


def compare(trials=1000, steps=200, lr=0.05, sd=0.1, seed=0, progress=False):
    """Both parameterizations from the same seed; fractions aligned and converged, and
    each trial's starting point (`start`, [trials, 2])."""
    out = {}
    for name, shared in (("independent", False), ("shared", True)):
        r = run(trials, shared, steps=steps, lr=lr, sd=sd, seed=seed, progress=progress, snapshots=(0,))
        r["start"] = r["history"][0]
        out[name] = r
    return out


def plot(results, size=256, max_points=1000):
    """Basins of attraction, side by side (independent | shared): every trial's
    *starting* (x, y) as a dot, green if it ended aligned (same sign), red if not,
    on the same axes. Independent: green exactly in the same-sign quadrants. Shared:
    the green region spreads into the other two quadrants."""
    from PIL import Image, ImageDraw
    starts = [results[k]["start"][:max_points] for k in ("independent", "shared")]
    lim = 1.05 * max(float(np.abs(s).max()) for s in starts)
    panels = []
    for name, start in zip(("independent", "shared"), starts):
        final = results[name]["xy"][:max_points]
        im = Image.new("RGB", (size, size), (250, 250, 250))
        draw = ImageDraw.Draw(im)
        draw.line([(size // 2, 0), (size // 2, size)], fill=(150, 150, 150))
        draw.line([(0, size // 2), (size, size // 2)], fill=(150, 150, 150))
        for (x0, y0), (x, y) in zip(start, final):
            cx = (x0 + lim) / (2 * lim) * (size - 1)
            cy = (lim - y0) / (2 * lim) * (size - 1)
            colour = (30, 160, 60) if np.sign(x) == np.sign(y) else (220, 40, 30)
            draw.ellipse([cx - 1.5, cy - 1.5, cx + 1.5, cy + 1.5], fill=colour)
        draw.text((4, 3), f"{name}: {100 * results[name]['aligned']:.1f}% aligned", fill=(0, 0, 0))
        panels.append(np.asarray(im, np.float32) / 255.0)
    return panels


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Fractions of aligned trials, independent vs shared; a PNG and a JSON. `model`
    is unused (the toy has no network)."""
    import json

    from lucid_repro.files import atomic_path
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick)
    trials = settings["trials"]
    results = compare(trials=trials, steps=settings["steps"], lr=settings["lr"], sd=settings["sd"], progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    png = save_image(os.path.join(output_dir, "toy_basin.png"), contact_sheet([plot(results)]))
    summary = {k: {"aligned": v["aligned"], "converged": v["converged"]} for k, v in results.items()}
    summary["trials"] = trials
    path = os.path.join(output_dir, "toy_basin.json")
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(summary, f, indent=2)
    print(f"toy basin ({trials} trials): aligned independent {summary['independent']['aligned']:.3f}, "
          f"shared {summary['shared']['aligned']:.3f}")
    return [png, path]

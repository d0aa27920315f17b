"""Toy basin (why a shared parameterization aligns): its declaration, its `make demo` part
and its files (`lucid_repro.recipes.toy_basin` keeps the computation)."""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json


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


def demo(model, output_dir, quick=False, progress=True):
    """Fractions of aligned trials, independent vs shared; a PNG and a JSON. `model`
    is unused (the toy has no network)."""
    from lucid_repro.recipes.toy_basin import compare, plot
    import json

    from lucid_repro.images import atomic_path, contact_sheet, save_image
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

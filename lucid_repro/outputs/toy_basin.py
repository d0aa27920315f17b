"""The toy_basin section's demo and files (`lucid_repro.recipes.toy_basin` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro.recipes.toy_basin import DEFAULTS, compare, plot


def demo(model, output_dir, quick=False, progress=True):
    """Fractions of aligned trials, independent vs shared; a PNG and a JSON. `model`
    is unused (the toy has no network)."""
    import json

    from lucid_repro.images import atomic_path, contact_sheet, save_image
    trials = 200 if quick else DEFAULTS["trials"]
    results = compare(trials=trials, steps=DEFAULTS["steps"], progress=progress)
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

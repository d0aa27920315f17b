"""The adversarial section's demo and files (`lucid_repro.recipes.adversarial` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro import assets
from lucid_repro.recipes.adversarial import (
    DEMO_GUIDE, DEMO_SOURCE, FEATURE_EPSILON, FEATURE_STEPS, feature_adversary,
    perturbation_image)


def demo(model, output_dir, quick=False, progress=True):
    """Feature adversary on the offline model: source, guide, adversary, perturbation
    (x10 contrast), and how the source/guide/adversary features compare."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    size = (48, 72) if quick else (128, 192)
    steps = 3 if quick else FEATURE_STEPS
    source = load_image(assets.find_image(DEMO_SOURCE, "content"), size=size)
    guide = load_image(assets.find_image(DEMO_GUIDE, "content"), size=size)
    result = feature_adversary(model, source, guide, steps=steps, progress=progress)
    print(f"[adversarial] feature adversary {DEMO_SOURCE} -> {DEMO_GUIDE}: {result.summary()}")
    from lucid_repro.outputs import write_json
    written = [save_image(os.path.join(output_dir, "adversarial_feature.png"), result.image)]
    scores = {k: (v if isinstance(v, (bool, str)) else float(v)) for k, v in result.scores.items()}
    written.append(write_json(os.path.join(output_dir, "adversarial.json"), {
        "model": getattr(model, "name", str(model)), "source": DEMO_SOURCE, "guide": DEMO_GUIDE,
        "size": list(size), "steps": int(result.steps), "epsilon": float(FEATURE_EPSILON),
        "linf": float(result.linf), "l2": float(result.l2), "scores": scores}))
    sheet = os.path.join(output_dir, "adversarial_grid.png")
    save_image(sheet, contact_sheet([[source, guide, result.image,
                                      perturbation_image(result.image, source, FEATURE_EPSILON)]]))
    return [sheet] + written

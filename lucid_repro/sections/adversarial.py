"""Adversarial images (feature adversary, classic): its declaration, its `make demo` part and
its files (`lucid_repro.recipes.adversarial` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import NO_NUMBER, Section, fmt, read_json


def numbers(out):
    r = read_json(out, "adversarial/adversarial.json")
    if not r:
        return [("perturbation", "—", NO_NUMBER)]
    s = r.get("scores", {})
    return [("L∞ perturbation (of 1) / L2", f"{fmt(r.get('linf'), 4)} / {fmt(r.get('l2'))}",
             "none given (imperceptible changes)"),
            (f"feature distance to the guide, relative to the start ({s.get('layer', '?')})",
             fmt(s.get("relative_distance")), "none given (features match the guide)")]


SECTION = Section(
    name="adversarial", part="classic", order=140, title="Adversarial images (feature adversary)",
    claim="A perturbation too small to see can make an image's internal features match those of a "
          "different image.",
    settings={
        # epsilon / steps None: the attack's (8 grey levels classifier, 10 feature; 100 steps)
        "library": dict(step_size=1.0, size=192, epsilon=None, steps=None),
        "demo": dict(source="bridge.jpg", guide="zurich.jpg", size=[128, 192], steps=100),
        "quick": dict(source="bridge.jpg", guide="zurich.jpg", size=[48, 72], steps=3),
    },
    sources={"library": "Goodfellow et al. 2015 / Kurakin et al. (classifier), Sabour et al. 2016 (feature "
                        "adversary, delta = 10 of 255)",
             "demo": "ours: the feature adversary on the offline VGG19", "quick": "ours: smoke tests"},
    figures=(("adversarial/adversarial_grid.png", "source, guide, adversary, perturbation ×10"),),
    numbers=numbers,
    describe="VGG19, {source} → {guide}, {size} px, {steps} steps",
    expected_seconds=56,
)


def demo(model, output_dir, quick=False, progress=True):
    """Feature adversary on the offline model: source, guide, adversary, perturbation
    (x10 contrast), and how the source/guide/adversary features compare."""
    from lucid_repro.recipes.adversarial import FEATURE_EPSILON, feature_adversary, perturbation_image
    from lucid_repro.images import contact_sheet, load_image, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, source_name, guide_name = tuple(settings["size"]), settings["steps"], settings["source"], settings["guide"]
    source = load_image(assets.find_image(source_name, "content"), size=size)
    guide = load_image(assets.find_image(guide_name, "content"), size=size)
    result = feature_adversary(model, source, guide, steps=steps, progress=progress)
    print(f"[adversarial] feature adversary {source_name} -> {guide_name}: {result.summary()}")
    from lucid_repro.sections import write_json
    written = [save_image(os.path.join(output_dir, "adversarial_feature.png"), result.image)]
    scores = {k: (v if isinstance(v, (bool, str)) else float(v)) for k, v in result.scores.items()}
    written.append(write_json(os.path.join(output_dir, "adversarial.json"), {
        "model": getattr(model, "name", str(model)), "source": source_name, "guide": guide_name,
        "size": list(size), "steps": int(result.steps), "epsilon": float(FEATURE_EPSILON),
        "linf": float(result.linf), "l2": float(result.l2), "scores": scores}))
    sheet = os.path.join(output_dir, "adversarial_grid.png")
    save_image(sheet, contact_sheet([[source, guide, result.image,
                                      perturbation_image(result.image, source, FEATURE_EPSILON)]]))
    return [sheet] + written

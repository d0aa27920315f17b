"""Feature visualization (Olah et al. 2017; the article's starting point)."""
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render
from lucid_repro.optvis import transforms as transforms_lib

# objectives.saturation_penalized weight for sigmoid images (issue 16, BUILD_NOTES): keeps
# VGG19's fft + decorrelated images at the article's colour saturation
SATURATION_PENALTY = 0.2


def visualize(model, objective, size=128, steps=256, param_kind="fft", decorrelate=True, lr=0.05,
              use_transforms=True, seed=0, batch=1, progress=True, thresholds=None,
              saturation_penalty=SATURATION_PENALTY, relu_override=False):
    """Render one objective; returns the RenderResult (images at thresholds).
    saturation_penalty: weight of `objectives.saturation_penalized` (0: the bare
    objective, Lucid's); relu_override: Lucid's ReLU gradient override (`render.render`)."""
    if size <= 0 or steps <= 0:
        raise UserError(f"size and steps must be positive, got size={size} steps={steps}")
    return render.render(
        model, objectives.saturation_penalized(objective, saturation_penalty),
        param_f=lambda: param.image_of_kind(param_kind, size, batch=batch, decorrelate=decorrelate,
                                            **param.for_model(model)),
        optimizer=render.adam(lr),
        transforms=transforms_lib.standard_transforms_for(model, size) if use_transforms else [],
        thresholds=thresholds or (steps,), seed=seed, progress=progress,
        description=str(objective), relu_override=relu_override)

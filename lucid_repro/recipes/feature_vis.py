"""Feature visualization (Olah et al. 2017; the article's starting point)."""
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render, schedule as schedule_lib
from lucid_repro.optvis import transforms as transforms_lib

# objectives.saturation_penalized weight for sigmoid images (issue 16, BUILD_NOTES): keeps
# VGG19's fft + decorrelated images at the article's colour saturation
SATURATION_PENALTY = 0.2


def visualize(model, objective, size=128, steps=256, param_kind="fft", decorrelate=True, lr=0.05,
              use_transforms=True, seed=0, batch=1, progress=True, thresholds=None,
              saturation_penalty=SATURATION_PENALTY, relu_override=False, schedule="single",
              slice_channels=True):
    """Render one objective; returns the RenderResult (images at thresholds).
    saturation_penalty: weight of `objectives.saturation_penalized` (0: the bare
    objective, Lucid's); relu_override: Lucid's ReLU gradient override (`render.render`).
    schedule: "single" (Lucid's: every step at full size) or "coarse_to_fine"
    (`optvis.schedule`, issue 29). slice_channels: `render.render`'s."""
    if size <= 0 or steps <= 0:
        raise UserError(f"size and steps must be positive, got size={size} steps={steps}")
    return schedule_lib.render_scheduled(
        model, objectives.saturation_penalized(objective, saturation_penalty),
        lambda s: param.image_of_kind(param_kind, s, batch=batch, decorrelate=decorrelate,
                                      **param.for_model(model)),
        size, steps, schedule=schedule,
        transforms_for=lambda s: transforms_lib.standard_transforms_for(model, s) if use_transforms else [],
        optimizer=render.adam(lr), thresholds=thresholds or (steps,), seed=seed, progress=progress,
        description=str(objective), slice_channels=slice_channels, relu_override=relu_override)

"""Feature visualization (Olah et al. 2017; the article's starting point)."""
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render

# Layers and channels of the demo grid (VGG19): textures, eyes, fur-like motifs.
DEMO_UNITS = ("conv3_3:5", "conv4_2:17", "conv4_3:100")


def visualize(model, objective, size=128, steps=256, param_kind="fft", decorrelate=True, lr=0.05,
              use_transforms=True, seed=0, batch=1, progress=True, thresholds=None):
    """Render one objective; returns the RenderResult (images at thresholds)."""
    if size <= 0 or steps <= 0:
        raise UserError(f"size and steps must be positive, got size={size} steps={steps}")
    return render.render(
        model, objectives.as_objective(objective),
        param_f=lambda: param.image_of_kind(param_kind, size, batch=batch, decorrelate=decorrelate),
        optimizer=render.adam(lr),
        transforms=None if use_transforms else [],
        thresholds=thresholds or (steps,), seed=seed, progress=progress,
        description=str(objective))

"""A unit atlas (issue 15): every channel of some layers, rendered by an Apache Beam
pipeline (units -> batches -> render -> tiles), and the files it leaves:

    <output_dir>/<layer>/<layer>_<channel>.png   one tile per unit (written atomically): RGB,
                                                  grayscale for 1-channel models, the false
                                                  colour of `bands` for other channel counts
    <output_dir>/<layer>/<layer>_<channel>.png.npy  every band of the tile (models of C != 1, 3)
    <output_dir>/<layer>/<layer>_<channel>.json  its record: objective value, steps, seeds, time
    <output_dir>/<layer>_grid.png                 the layer's tiles in one sheet
    <output_dir>/manifest.json                    settings, units, totals
    <output_dir>/index.html                       a grid per layer

Batches are cut from the FULL unit list (per layer, in channel order), so a unit's image
does not depend on what was already done, on the runner or on the number of workers
(see lucid_repro.optvis.units for the seeds). A unit is done when its record parses,
was made with the same settings and the tile's SHA-256 matches the record; a batch with
every unit done is skipped, a batch with some is rendered again and only its missing
units are written (the same images: seeded).

The model is loaded once per worker (`DoFn.setup`) from `weights`, a local file path
(the default weights are the installed package's file): nothing is downloaded per unit.
A user's model (`keras:PATH`) is rebuilt in each worker from the config's plain data:
the spec, `models.load`'s keyword arguments (`model_kwargs`: strings, numbers, paths) and
the band correlation matrix as nested lists.
On a cluster runner `output_dir` must be a filesystem every worker and the launcher see
(NFS, a gcsfuse/Filestore mount) and the workers need this package installed
(`--pipeline_options="--setup_file=./setup.py"` or a custom container).
"""
import dataclasses
import hashlib
import html
import json
import os
import time
from typing import List, Optional

from lucid_repro.declaration import Section
from lucid_repro.files import atomic_path


SECTION = Section(
    name="atlas", part="classic", order=160, title="Unit atlas",
    claim="Every channel of a layer, one feature visualization each (python -m lucid_repro.scripts.atlas).",
    settings={
        # layer None: the family's demo layer (conv4_2 on VGG19), else the model's middle layer
        "demo": dict(layer=None, units=64, size=64, steps=48, batch=8, precision="auto"),
        "quick": dict(layer=None, units=4, size=32, steps=4, batch=4, precision="auto"),
    },
    sources={"demo": "ours: 64 units at demo size through the Beam pipeline; precision auto: bfloat16 where "
                     "this CPU's timed conv step says so (issue 29)", "quick": "ours: smoke tests"},
    describe="{units} units, {size} px, {steps} steps, batch {batch}",
    expected_seconds=100, in_report=False,     # the report links the atlas by its manifest.json
)


MANIFEST = "manifest.json"
PAGE = "index.html"
GRID_COLUMNS = 8
# settings a record must share with the run for its unit to count as done
FINGERPRINT = ("model", "weights_name", "size", "steps", "batch", "param", "decorrelate", "lr", "seed",
               "transforms", "precision", "model_kwargs", "band_correlation", "bands")


@dataclasses.dataclass
class AtlasConfig:
    model: str
    layers: List[str]
    channels: dict                  # layer -> list of channels
    output_dir: str
    weights: Optional[str] = None   # local weight file (None: the model's packaged default)
    size: int = 128
    steps: int = 128
    batch: int = 1
    param: str = "fft"
    decorrelate: bool = True
    lr: float = 0.05
    seed: int = 0
    transforms: bool = True
    precision: str = "float32"
    precision_choice: Optional[dict] = None   # --precision=auto's measurement (models.precision.auto_precision)
    threads: int = 0                # TF intra-op threads per worker (0: TF's default)
    # a keras: model (issue 25), as plain data the workers rebuild it from
    model_kwargs: Optional[dict] = None       # models.load's keyword arguments (common.model_kwargs(plain=True))
    band_correlation: Optional[list] = None   # [C, C] as nested lists (--band_correlation), None: independent
    bands: Optional[List[int]] = None         # the false colour's bands of C != 1, 3 tiles (None: 0,1,2)

    @property
    def weights_name(self):
        return os.path.basename(self.weights) if self.weights else None

    def fingerprint(self):
        return {k: getattr(self, k) for k in FINGERPRINT}


def parse_channels(spec):
    """'0:64' (a range, end excluded), '3,5,9', '7', or 'all' -> list of ints or 'all'."""
    from lucid_repro.errors import UserError
    spec = (spec or "").strip()
    if spec == "all":
        return "all"
    out = []
    try:
        for part in spec.split(","):
            part = part.strip()
            if ":" in part:
                a, b = part.split(":")
                a, b = int(a), int(b)
                if b <= a:
                    raise ValueError
                out += list(range(a, b))
            else:
                out.append(int(part))
    except ValueError:
        raise UserError(f"--channels must be 'all', 'start:end' (end > start) or a comma list, got {spec!r}") \
            from None
    if not out or min(out) < 0:
        raise UserError(f"--channels must be non-negative channel numbers, got {spec!r}")
    return sorted(set(out))


def tile_path(out, layer, channel):
    return os.path.join(out, layer, f"{layer}_{channel:04d}.png")


def record_path(out, layer, channel):
    return os.path.join(out, layer, f"{layer}_{channel:04d}.json")


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_done(config, layer, channel):
    """The unit's record if its tile and record exist and verify, else None."""
    try:
        with open(record_path(config.output_dir, layer, channel)) as f:
            record = json.load(f)
        if any(record.get(k) != v for k, v in config.fingerprint().items()):
            return None
        if record.get("tile_sha256") != _sha256(tile_path(config.output_dir, layer, channel)):
            return None
        if record.get("npy") and record.get("npy_sha256") != _sha256(os.path.join(config.output_dir, record["npy"])):
            return None
        return record
    except (OSError, ValueError, AttributeError):
        return None


def plan(config):
    """Batches (layer, [channels]) of the full unit list, and those with a unit left to do."""
    batches = []
    for layer in config.layers:
        chans = config.channels[layer]
        batches += [(layer, chans[k:k + config.batch]) for k in range(0, len(chans), config.batch)]
    todo = [(layer, chans) for layer, chans in batches
            if any(read_done(config, layer, c) is None for c in chans)]
    return batches, todo


def _write_json(path, record):
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")


class RenderBatch:
    """Beam DoFn body (wrapped by `_dofn`): setup loads the model once per worker."""

    def __init__(self, config):
        self.config = config
        self.renderers = {}

    def setup(self):
        from lucid_repro.runtime import deterministic, import_tensorflow_quietly
        tf = import_tensorflow_quietly()
        if self.config.threads:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(self.config.threads)
                tf.config.threading.set_inter_op_parallelism_threads(self.config.threads)
            except RuntimeError:   # TF already running in this process (in-memory runner)
                pass
        deterministic()
        from lucid_repro.models.precision import with_precision
        self.base_model = load_model(self.config)
        self.model = with_precision(self.base_model, self.config.precision)

    def renderer(self, layer):
        from lucid_repro.optvis.units import UnitRenderer
        from lucid_repro.recipes.feature_vis import SATURATION_PENALTY   # as feature_vis renders a unit
        c = self.config
        if layer not in self.renderers:
            self.renderers[layer] = UnitRenderer(
                self.model, layer, size=c.size, steps=c.steps, batch=c.batch, param_kind=c.param,
                decorrelate=c.decorrelate, lr=c.lr, use_transforms=c.transforms, seed=c.seed,
                model_name=self.base_model.name, saturation_penalty=SATURATION_PENALTY)
        return self.renderers[layer]

    def process(self, item):
        layer, channels = item
        c = self.config
        os.makedirs(os.path.join(c.output_dir, layer), exist_ok=True)
        for unit in self.renderer(layer).render_batch(channels):
            ch = unit["channel"]
            if read_done(c, layer, ch) is not None:
                continue
            tile = tile_path(c.output_dir, layer, ch)
            npy = write_tile(tile, unit["image"], c.bands)
            record = {**c.fingerprint(), "layer": layer, "channel": ch, "objective": unit["objective"],
                      "steps_run": unit["steps"], "unit_seed": unit["seed"],
                      "batch_units": unit["batch"], "seconds": round(unit["seconds"], 4),
                      "worker_pid": os.getpid(), "tile": os.path.relpath(tile, c.output_dir),
                      "tile_sha256": _sha256(tile)}
            if npy:
                record.update(npy=os.path.relpath(npy, c.output_dir), npy_sha256=_sha256(npy))
            # the record last: a unit counts as done only once both files are whole
            _write_json(record_path(c.output_dir, layer, ch), record)
            yield record


def load_model(config):
    """The FeatureModel a worker renders: `models.load` of the config's spec, weights and
    keyword arguments, with its band correlation matrix (the same model the script checked)."""
    from lucid_repro import models
    model = models.load(config.model, path=config.weights, **(config.model_kwargs or {}))
    if config.band_correlation is not None:
        import numpy as np
        model.band_correlation = np.asarray(config.band_correlation, np.float32)
    return model


def write_tile(path, image, bands=None):
    """A unit's tile: RGB and grayscale images as they are; other channel counts as the
    false colour of `bands` (`images.display_rgb`), every band in `<path>.npy` ([H, W, C],
    float32; written first: the record, written last, names both). Returns the .npy path
    or None."""
    import numpy as np
    from lucid_repro.images import display_rgb, save_image
    image = np.asarray(image)
    npy = None
    if image.shape[-1] not in (1, 3):
        npy = path + ".npy"
        with atomic_path(npy) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, image.astype(np.float32))
        image = display_rgb(image, bands)
    save_image(path, image)
    return npy


def _dofn(config):
    import apache_beam as beam

    class RenderBatchFn(beam.DoFn):
        def __init__(self, config):
            self.body = RenderBatch(config)

        def setup(self):
            self.body.setup()

        def process(self, item):
            yield from self.body.process(item)

    return RenderBatchFn(config)


def finish(config, new_records=(), seconds=None, runner=None, workers=None):
    """Write manifest.json, the per-layer grid PNGs and index.html from the records on disk."""
    import numpy as np
    from lucid_repro.images import contact_sheet, load_image, save_image
    out = config.output_dir
    layers, units = {}, []
    for layer in config.layers:
        done = [r for r in (read_done(config, layer, ch) for ch in config.channels[layer]) if r]
        units += done
        grid = None
        if done:
            tiles = [load_image(os.path.join(out, r["tile"])) for r in done]
            rows = [tiles[k:k + GRID_COLUMNS] for k in range(0, len(tiles), GRID_COLUMNS)]
            grid = save_image(os.path.join(out, f"{layer}_grid.png"), contact_sheet(rows))
        layers[layer] = {"units": len(config.channels[layer]), "done": len(done),
                         "grid": os.path.basename(grid) if grid else None,
                         "mean_objective": float(np.mean([r["objective"] for r in done])) if done else None}
    new = list(new_records)
    manifest = {"kind": "atlas", **dataclasses.asdict(config), "layers_summary": layers,
                "units_total": sum(len(v) for v in config.channels.values()), "units_done": len(units),
                "units_rendered_this_run": len(new), "runner": runner, "workers": workers,
                "seconds_this_run": None if seconds is None else round(seconds, 2),
                "units_per_hour_this_run": (round(len(new) / seconds * 3600, 1) if seconds and new else None),
                "render_seconds_per_unit": (round(float(np.mean([r["seconds"] for r in new])), 3)
                                            if new else None),
                "units": [{k: r[k] for k in ("layer", "channel", "objective", "unit_seed", "tile", "npy", "seconds")
                           if k in r} for r in units],
                "written": time.strftime("%Y-%m-%d %H:%M:%S")}
    _write_json(os.path.join(out, MANIFEST), manifest)
    _write_page(config, layers, units)
    return manifest


def _write_page(config, layers, units):
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    by_layer = {}
    for r in units:
        by_layer.setdefault(r["layer"], []).append(r)
    sections = []
    for layer, info in layers.items():
        figs = "".join(
            f'<figure><a href="{e(r["tile"])}"><img src="{e(r["tile"])}" width="{config.size}" '
            f'height="{config.size}" loading="lazy" alt="{e(layer)}:{r["channel"]}"></a>'
            f'<figcaption>{r["channel"]} · {r["objective"]:.3g}</figcaption></figure>'
            for r in by_layer.get(layer, []))
        grid = f' · <a href="{e(info["grid"])}">{e(info["grid"])}</a>' if info["grid"] else ""
        sections.append(f'<section id="{e(layer)}"><h2>{e(layer)}</h2><p>{info["done"]} of {info["units"]} '
                        f'units{grid}</p><div class="grid">{figs}</div></section>')
    bands_note = "" if not any(r.get("npy") for r in units) else (
        f" Tiles of more than three bands show bands {e(','.join(map(str, config.bands or (0, 1, 2))))} as red, "
        "green, blue; every band is in the tile's .npy.")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unit atlas: {e(config.model)}</title>
<style>body{{font-family:sans-serif;margin:1em;background:#fafafa}}
.grid{{display:flex;flex-wrap:wrap;gap:6px}}figure{{margin:0;text-align:center;font-size:11px}}
img{{image-rendering:pixelated;width:{max(config.size, 96)}px;height:auto;display:block}}</style></head>
<body><h1>Unit atlas: {e(config.model)}</h1>
<p>{e(config.size)} px, {e(config.steps)} steps, {e(config.param)}{' decorrelated' if config.decorrelate else ''},
{e(config.precision)}, batch {e(config.batch)}, seed {e(config.seed)}.{bands_note} Caption: channel · objective
(mean activation) at the last step. <a href="{MANIFEST}">manifest.json</a></p>
<nav>{" · ".join(f'<a href="#{e(l)}">{e(l)}</a>' for l in layers)}</nav>
{"".join(sections)}
</body></html>
"""
    with atomic_path(os.path.join(config.output_dir, PAGE)) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page)


def run_pipeline(config, runner="DirectRunner", num_workers=None, running_mode="multi_processing",
                 pipeline_args=()):
    """Render every unit not yet done with Beam, then write the manifest and the page.
    Returns the manifest."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    os.makedirs(config.output_dir, exist_ok=True)
    _, todo = plan(config)
    args = [f"--runner={runner}", *pipeline_args]
    if runner == "DirectRunner":
        num_workers = num_workers or os.cpu_count() or 1
        args += [f"--direct_num_workers={num_workers}", f"--direct_running_mode={running_mode}"]
    start = time.perf_counter()
    records = []
    if todo:
        with beam.Pipeline(options=PipelineOptions(args)) as p:
            (p | "units -> batches" >> beam.Create(todo)
               | "spread" >> beam.Reshuffle()
               | "render" >> beam.ParDo(_dofn(config))
               | "count" >> beam.combiners.Count.Globally())
    seconds = time.perf_counter() - start
    for layer, chans in todo:
        for ch in chans:
            r = read_done(config, layer, ch)
            if r is not None:
                records.append(r)
    return finish(config, records, seconds=seconds, runner=runner, workers=num_workers), len(todo)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """The atlas of one layer at demo size: 64 units of conv4_2 (VGG19), 64 px, 48 steps,
    batch 8, through the same Beam pipeline as `scripts.atlas` (DirectRunner in memory:
    this process's one worker). Resumes like the script: a second `make demo` reuses the
    tiles. Returns the grid PNG and index.html."""
    settings = SECTION.demo_row(quick, model)
    name = model.name
    layer = settings["layer"] or model.family.demo_unit_layer or model.layer_names[len(model.layer_names) // 2]
    n = settings["units"]
    from lucid_repro.models.precision import describe_choice, resolve
    precision, choice = resolve(settings.get("precision", "auto"))     # issue 29: a speed-oriented run
    print(f"[atlas] {describe_choice(choice)}" if choice else f"[atlas] precision {precision}")
    config = AtlasConfig(model=name, layers=[layer], channels={layer: list(range(min(n, model.layer_depth(layer))))},
                         output_dir=os.path.abspath(output_dir), weights=model.family.default_weights(),
                         size=settings["size"], steps=settings["steps"], batch=settings["batch"],
                         precision=precision, precision_choice=choice)
    manifest, batches = run_pipeline(config, running_mode="in_memory", num_workers=1)
    print(f"[atlas] {layer}: {manifest['units_done']} units ({manifest['units_rendered_this_run']} rendered now, "
          f"{batches} batch(es)), {config.size} px, {config.steps} steps, batch {config.batch}")
    grid = manifest["layers_summary"][layer]["grid"]
    return [os.path.join(output_dir, grid), os.path.join(output_dir, PAGE)]

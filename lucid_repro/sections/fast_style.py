"""Fast style transfer (Johnson et al. 2016; instance norm, Ulyanov et al. 2016; conditional
instance norm, Dumoulin et al. 2017): its declaration, its `make demo` part (a one-style
network against the Gatys optimization on the same loss, instance vs batch norm, a
two-style network against two one-style networks) and its files
(`lucid_repro.recipes.fast_style` keeps the computation)."""
import os

import numpy as np

from lucid_repro.sections.base import Section, dig, fmt, read_json

_STYLES = ["starry_night", "the_scream"]


def numbers(out):
    r = read_json(out, "fast_style/fast_style.json")
    g, n = dig(r, "gatys"), dig(r, "network")
    rows = [
        ("content / style loss: Gatys optimization", f"{fmt(dig(g, 'content_loss'))} / {fmt(dig(g, 'style_loss'))}",
         "Johnson et al. Fig. 5: the network's loss ~ that of 50-100 L-BFGS iterations"),
        ("content / style loss: trained network (one pass)",
         f"{fmt(dig(n, 'content_loss'))} / {fmt(dig(n, 'style_loss'))}", "higher than Gatys' converged loss"),
        ("seconds per image: Gatys / network (ratio)",
         f"{fmt(dig(g, 'seconds'))} / {fmt(dig(n, 'seconds'), 4)} ({fmt(dig(r, 'speedup'))}x)",
         "Johnson et al. Table 2: ~1000x (GPU, vs 500 L-BFGS iterations, 256-1024 px)"),
    ]
    for norm in ("instance", "batch"):
        rows.append((f"held-out style loss, {norm} norm (same budget)", fmt(dig(r, "norms", norm, "style_loss")),
                     "Ulyanov: instance norm stylizes visibly better" if norm == "instance" else "worse"))
    for s in _STYLES:
        rows.append((f"held-out style loss {s}: two-style net / one-style net",
                     f"{fmt(dig(r, 'two_style', s, 'two_style'))} / {fmt(dig(r, 'two_style', s, 'one_style'))}",
                     "Dumoulin: N styles in one net ~ N separate nets"))
    return rows


SECTION = Section(
    name="fast_style", part="classic", order=85, title="Fast style transfer (feed-forward networks)",
    claim="A transformation network trained once per style on the same perceptual loss stylizes a new "
          "photo in one forward pass, orders of magnitude faster than Gatys' optimization; instance "
          "normalization stylizes better than batch normalization, and conditional instance "
          "normalization holds several styles in one network.",
    settings={
        "library": dict(style="starry_night", norm="instance", size=256, batch_size=4, steps=2000, lr=1e-3,
                        filters=32, res_blocks=5, preview_every=200),
        "demo": dict(styles=_STYLES, content="zurich", size=64, batch_size=4, steps=80, lr=1e-3,
                     filters=16, res_blocks=3, image_size=128, gatys_steps=200),
        "quick": dict(styles=_STYLES, content="zurich", size=32, batch_size=2, steps=3, lr=1e-2,
                      filters=4, res_blocks=1, image_size=32, gatys_steps=3,
                      style_layers="relu1_1,relu2_1", content_layers="relu2_1"),   # shallow: cheap traces
        "paper": dict(style="starry_night", norm="instance", size=256, batch_size=4, steps=40000, lr=1e-3,
                      filters=32, res_blocks=5, preview_every=2000),
    },
    sources={
        "library": "Johnson et al. 2016's network (32 filters, 5 residual blocks), crops and Adam lr 1e-3, "
                   "batch 4; steps ours (a GPU hour is ~40k)",
        "demo": "ours: small network (16 filters, 3 residual blocks), 64 px crops, 80 steps at Johnson's lr "
                "1e-3 (1e-2 saturated the output), so that each of the four trainings takes a few minutes "
                "on 2 shared cores",
        "quick": "ours: smoke tests",
        "paper": "Johnson et al. 2016 Sec. 4.1: 256 px crops, batch 4, 40k iterations (2 epochs of COCO), "
                 "Adam lr 1e-3",
    },
    figures=(("fast_style/fast_style_vs_gatys.png", "content, style, Gatys optimization, one pass of the network"),
             ("fast_style/fast_style_norms.png", "instance norm (top) vs batch norm (bottom), same budget: the held-out photo and a packaged one"),
             ("fast_style/fast_style_two_styles.png",
              "top: the two-style network at weights (1, 0), (0.75, 0.25), (0.5, 0.5), (0.25, 0.75), (0, 1); "
              "bottom: the photo, the two one-style networks")),
    numbers=numbers,
    describe="VGG19, {styles} networks ({filters} filters, {res_blocks} residual blocks) trained {steps} steps "
             "on {size} px crops of the default collection without {content} (batch {batch_size}, Adam {lr}); Gatys: "
             "{gatys_steps} Adam steps on {content} at {image_size} px",
    expected_seconds=1300,   # measured: 1315 s on the 2 shared cores (four trainings ~4-5 min each, Gatys ~2.5 min)
)


def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro import assets
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.models import random_vgg
    from lucid_repro.optvis import style
    from lucid_repro.recipes import fast_style as fs
    from lucid_repro.recipes import style_transfer as gatys
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    model = random_vgg.with_avg_pooling(model)   # the Gatys recipe's demo network
    size, image_size = row["size"], row["image_size"]
    content_path = assets.resolve_image(row["content"], "content")
    photos = training_photos(content_path, quick)       # the comparison photo is not among them
    content = assets.load(content_path, "content", max_side=image_size)
    h, w = content.shape[:2]
    styles = [assets.load(s, "styles") for s in row["styles"]]
    config = fs.style_config(model, style_layers=row.get("style_layers"), content_layers=row.get("content_layers"))
    common = dict(config=config, size=size, batch_size=row["batch_size"], steps=row["steps"], lr=row["lr"],
                  filters=row["filters"], res_blocks=row["res_blocks"], progress=progress)
    # every loss below: the content photo (not trained on) at image_size, the style at the
    # training scale (longer side = the crop size), the training loss's terms and weights
    train_styles = [assets.resize_longer_side(s, size) for s in styles]
    eval_losses = [style.StyleContentLoss(model, content, s, config) for s in train_styles]

    def held_out_style(net, s, k=None):
        """The style loss of the network's output on the held-out photo (style s)."""
        weights = None if k is None else np.eye(k)[s]
        return float(eval_losses[s].evaluate(fs.stylize(net, content, weights))["style_loss"])

    os.makedirs(output_dir, exist_ok=True)
    written, record = [], {"model": model.name, "row": row}
    nets = {}
    for s, name in enumerate(row["styles"]):
        nets[name] = fs.train(model, [styles[s]], photos, norm="instance", seed=0, **common)
    bn = fs.train(model, [styles[0]], photos, norm="batch", seed=0, **common)
    two = fs.train(model, styles, photos, norm="conditional_instance", seed=0, **common)

    # 1. Gatys vs the network, one loss (the content image's own targets)
    loss = eval_losses[0]
    g = gatys.transfer(model, content, train_styles[0], config, "pixel", steps=row["gatys_steps"], lr=0.05,
                       loss=loss, progress=progress)
    out, seconds = fs.timed_stylize(nets[row["styles"][0]].net, content)
    n_eval = loss.evaluate(out)
    record["gatys"] = {"content_loss": g.final["content_loss"], "style_loss": g.final["style_loss"],
                       "seconds": g.seconds, "steps": row["gatys_steps"]}
    record["network"] = {"content_loss": n_eval["content_loss"], "style_loss": n_eval["style_loss"],
                         "seconds": seconds, "train_seconds": nets[row["styles"][0]].seconds}
    record["speedup"] = g.seconds / seconds
    style_view = assets.resize_longer_side(styles[0], max(h, w))[:h, :w]
    record["training_images"] = len(photos)
    written.append(save_image(os.path.join(output_dir, "fast_style_vs_gatys.png"),
                              contact_sheet([[content, pad_to(style_view, h, w), g.image, out]])))

    # 2. instance vs batch normalization, same budget
    inet = nets[row["styles"][0]]
    record["norms"] = {"instance": {"style_loss": held_out_style(inet.net, 0), "train_seconds": inet.seconds,
                                    "final_training_loss": float(inet.losses[-1])},
                       "batch": {"style_loss": held_out_style(bn.net, 0), "train_seconds": bn.seconds,
                                 "final_training_loss": float(bn.losses[-1])}}
    others = [assets.load(p, "content", max_side=image_size)
              for p in assets.available_images("content").values() if p != content_path][:1]
    shown = [content] + [o[:h, :w] for o in others if o.shape[0] >= h and o.shape[1] >= w]
    written.append(save_image(os.path.join(output_dir, "fast_style_norms.png"), contact_sheet(
        [[fs.stylize(inet.net, x) for x in shown], [fs.stylize(bn.net, x) for x in shown]])))

    # 3. one two-style network vs two one-style networks, same budget each
    record["two_style"] = {name: {"two_style": held_out_style(two.net, s, 2),
                                  "one_style": held_out_style(nets[name].net, s)}
                           for s, name in enumerate(row["styles"])}
    blends = [fs.stylize(two.net, content, [1 - a, a]) for a in (0.0, 0.25, 0.5, 0.75, 1.0)]
    singles = [fs.stylize(nets[name].net, content) for name in row["styles"]]
    written.append(save_image(os.path.join(output_dir, "fast_style_two_styles.png"),
                              contact_sheet([blends, [content] + singles])))
    for name, r in nets.items():
        written.append(save_image(os.path.join(output_dir, f"fast_style_{name}_training.png"),
                                  contact_sheet([[p[0] for p in r.previews]])))
    written.append(write_json(os.path.join(output_dir, "fast_style.json"), record))
    if progress:
        print(format_record(record))
    return written


def training_photos(leave_out, quick=False):
    """The demo's training photos: the offline default collection (packaged photos and
    scikit-image's samples) without the comparison photo `leave_out`."""
    from lucid_repro.collection import ImageCollection
    c = ImageCollection.default(max_images=4 if quick else None)
    c.paths = [p for p in c.paths if os.path.realpath(p) != os.path.realpath(leave_out)]
    return c


def pad_to(image, h, w):
    return np.pad(image, ((0, h - image.shape[0]), (0, w - image.shape[1]), (0, 0)), constant_values=1.0)


def format_record(r):
    g, n = r["gatys"], r["network"]
    lines = [f"Gatys ({g['steps']} steps): content {g['content_loss']:.4g} style {g['style_loss']:.4g}, "
             f"{g['seconds']:.1f} s/image",
             f"network (one pass): content {n['content_loss']:.4g} style {n['style_loss']:.4g}, "
             f"{n['seconds'] * 1000:.1f} ms/image ({r['speedup']:.0f}x faster; trained in {n['train_seconds']:.0f} s)"]
    lines += [f"{k} norm: held-out style loss {v['style_loss']:.4g}" for k, v in r["norms"].items()]
    lines += [f"{k}: style loss two-style net {v['two_style']:.4g}, one-style net {v['one_style']:.4g}"
              for k, v in r["two_style"].items()]
    return "\n".join(lines)

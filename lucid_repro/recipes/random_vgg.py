"""Random-weight VGG19 (He, Wang & Hopcroft 2016): a report-only section. Its figures and
numbers come from the texture_synthesis and feature_inversion demos, which run the random
VGG19 beside the trained one (`Family.random_counterpart`)."""
from lucid_repro.declaration import Section
from lucid_repro.recipes import feature_inversion, texture_synthesis


def numbers(out):
    return texture_synthesis.numbers(out, ("ranvgg19",)) + feature_inversion.numbers(out, ("ranvgg19",))


SECTION = Section(
    name="random_vgg", part="classic", order=90, title="Random-weight VGG19 (He et al.)",
    claim="A VGG19 with random weights still synthesizes textures and inverts shallow features, so "
          "much of what these methods show comes from the architecture.",
    settings={"demo": dict(seed=0)},
    sources={"demo": "He, Wang & Hopcroft 2016: random weights; our seed 0"},
    figures=(("texture_synthesis/texture_*_ranvgg19.png", "texture from the random-weight VGG19"),
             ("feature_inversion/feature_inversion.png", "inversions: trained (top), random (bottom)")),
    numbers=numbers,
    describe="as texture synthesis and feature inversion (seed {seed})",
    note="Run inside the texture synthesis and feature inversion sections; the time shown is "
         "texture synthesis's.",
    runs=False, folder="texture_synthesis",
)

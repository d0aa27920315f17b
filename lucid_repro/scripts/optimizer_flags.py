"""--optimizer, one definition for every script that offers it (the Gram family, feature
inversion, adversarial images): "adam" (the scripts' default, with --lr) or "lbfgs"
(limited-memory BFGS with a line search, `optvis.lbfgs`: one step = one iteration,
the pixels' box as bounds; --lr unused). The scripts check their
flags before the model loads."""
from absl import flags

FLAGS = flags.FLAGS
# the flag belongs to the script that calls define() (its --help lists it)
flags.disclaim_key_flags()
CHOICES = ("adam", "lbfgs")


def define(default="adam", adam_means="Adam with --lr"):
    flags.DEFINE_enum("optimizer", default, list(CHOICES),
                      f"adam = {adam_means}; lbfgs = L-BFGS with a line search and the pixels' box as "
                      "bounds (Gatys', He et al.'s and Sabour et al.'s optimizer; --lr unused), one step = "
                      "one iteration")


def value():
    return FLAGS.optimizer

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("LUCID_REPRO_QUICK", "1")
# A cache of this test process's own (activations, downloaded graphs): a run never reads
# what an earlier run or the user's ~/.cache left (script runs and notebook kernels
# inherit it).
import atexit, shutil, tempfile  # noqa: E401,E402
os.environ["LUCID_REPRO_CACHE"] = tempfile.mkdtemp(prefix="lucid-repro-test-cache-")
atexit.register(shutil.rmtree, os.environ["LUCID_REPRO_CACHE"], True)

import pytest  # noqa: E402

from lucid_repro.runtime import deterministic  # noqa: E402

# The entry point chooses TF's deterministic kernels (the library never does), so that
# seeded runs repeat bit for bit and match tests/reference.
deterministic()

# The images the tests read are the ones the package ships (lucid_repro/data/content),
# so no test depends on files outside the repository.
PACKAGE_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "lucid_repro", "data"))


@pytest.fixture(scope="session")
def vgg19():
    from lucid_repro import models
    return models.load("vgg19")


@pytest.fixture(scope="session")
def bunny():
    from lucid_repro.gl import load_mesh
    return load_mesh("bunny")


@pytest.fixture(scope="session")
def package_data():
    return PACKAGE_DATA


@pytest.fixture(autouse=True)
def _perturbed_initial_values(monkeypatch):
    """Under LUCID_REPRO_PERTURB every parameterization that `render` builds starts from
    perturbed initial values (tests/regression.py, tests/reference/README.md)."""
    import regression
    if regression.perturbation() is not None:
        regression.perturb_render_params(monkeypatch)
    yield


@pytest.fixture(scope="session")
def any_models():
    """Issue 25's test matrix as FeatureModels (tests/any_models.py; random weights): name ->
    (model, the layer its tests read). The 4-band model carries a band correlation matrix."""
    import numpy as np
    from any_models import band_cnn, cifar_cnn, digit_cnn, tiny_vit, two_input_model
    from lucid_repro import models
    bands = models.from_keras(band_cnn(4), preprocess="none")
    # what --band_correlation sets: the bands' parameterizations mix through its square root
    bands.band_correlation = np.array([[1, .8, .5, .2], [.8, 1, .6, .3], [.5, .6, 1, .7], [.2, .3, .7, 1]], np.float32)
    return {"gray28": (models.from_keras(digit_cnn(), preprocess="tf"), "conv2"),
            "bands4": (bands, "conv2"),
            "cifar32": (models.from_keras(cifar_cnn(), preprocess="tf"), "conv2"),
            "vit": (models.from_keras(tiny_vit(blocks=1), preprocess="none"), "block0_out"),
            "two_inputs": (models.from_keras(two_input_model(), preprocess="none", input_name="pixels",
                                             input_values={"meta": np.array([0.5, -1.0], np.float32)}), "conv")}

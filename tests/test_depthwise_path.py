"""The depthwise fast path of conv (groups = C_in): both backends against torch, the dispatch, the numba cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

import convkit
from convkit import depthwise_path
from convkit.conv import prepare_conv
from convkit.depthwise_path import conv_depthwise, is_depthwise
from strategies import conv_cases

ROOT = Path(__file__).resolve().parents[1]
OPS = {
    1: (convkit.conv1d, F.conv1d),
    2: (convkit.conv2d, F.conv2d),
    3: (convkit.conv3d, F.conv3d),
}
needs_numba = pytest.mark.skipif(depthwise_path.compiled() is None, reason="numba is not installed")


def torch_conv(ndim, case):
    bias = None if case.bias is None else torch.from_numpy(case.bias)
    return OPS[ndim][1](torch.from_numpy(case.input), torch.from_numpy(case.weight), bias, **case.kwargs).numpy()


def backend_conv(ndim, case, backend):
    problem = prepare_conv(case.input, case.weight, case.bias, **case.kwargs, ndim=ndim)
    assert is_depthwise(problem)
    y = conv_depthwise(problem, backend=backend)
    return y[0] if problem.unbatched else y


def tolerance(dtype):
    return dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_conv_takes_the_depthwise_path_and_matches_torch(ndim):
    @settings(max_examples=150)
    @given(conv_cases(ndim, max_size=9 if ndim < 3 else 6, depthwise=True))
    def check(case):
        expected = torch_conv(ndim, case)
        got = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs)
        assert got.shape == expected.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, expected, **tolerance(np.float64))

    check()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(
    "backend,ndim",
    [pytest.param("numba", 1, marks=needs_numba), pytest.param("numba", 2, marks=needs_numba),
     pytest.param("numba-parallel", 2, marks=needs_numba), ("numpy", 1), ("numpy", 2), ("numpy", 3)],
)
def test_each_backend_matches_torch(backend, ndim, dtype, monkeypatch):
    """Strides, paddings (int, tuple, 'valid', 'same'), dilations, multipliers, (un)batched, bias or not."""
    if backend == "numba-parallel":  # small problems run on one thread: force the threaded loop
        monkeypatch.setattr(depthwise_path, "PARALLEL_WORK", 0)
        monkeypatch.setattr(depthwise_path, "THREADS", 3)  # ranges of planes on 3 threads
        backend = "numba"

    @settings(max_examples=100)
    @given(conv_cases(ndim, max_size=9 if ndim < 3 else 5, max_channels=3, depthwise=True, dtype=dtype))
    def check(case):
        expected = torch_conv(ndim, case)
        got = backend_conv(ndim, case, backend)
        assert got.shape == expected.shape and got.dtype == dtype
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(got / scale, expected / scale, **tolerance(dtype))

    check()


def test_a_typical_depthwise_layer_with_multiplier(rng):
    """MobileNet-like: 3x3, stride 2, padding 1, channel multiplier 2, float32, both backends."""
    x = rng.standard_normal((2, 16, 15, 14)).astype(np.float32)
    w = rng.standard_normal((32, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), 2, 1, 1, 16).numpy()
    problem = prepare_conv(x, w, b, stride=2, padding=1, groups=16, ndim=2)
    backends = ["numpy"] + (["numba"] if depthwise_path.compiled() else [])
    for backend in backends:
        got = conv_depthwise(problem, backend)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_dispatch_only_for_one_input_channel_per_group(rng):
    depthwise = prepare_conv(rng.standard_normal((1, 4, 5, 5)), np.ones((8, 1, 3, 3)), groups=4, ndim=2)
    grouped = prepare_conv(rng.standard_normal((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), groups=2, ndim=2)
    single = prepare_conv(rng.standard_normal((1, 1, 5, 5)), np.ones((3, 1, 3, 3)), ndim=2)
    assert is_depthwise(depthwise)
    assert not is_depthwise(grouped)
    assert not is_depthwise(single)  # groups = 1: one ordinary matrix product


def test_numpy_fallback_is_used_without_numba(monkeypatch, rng):
    calls = []
    real = depthwise_path.conv_depthwise_numpy
    monkeypatch.setattr(depthwise_path, "compiled", lambda: None)
    monkeypatch.setattr(depthwise_path, "conv_depthwise_numpy", lambda p: calls.append(p) or real(p))
    x = rng.standard_normal((2, 3, 8, 7))
    w = rng.standard_normal((6, 1, 3, 2))
    got = convkit.conv2d(x, w, padding="same", groups=3)
    assert len(calls) == 1
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding="same", groups=3).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    with pytest.raises(ImportError, match="backend='numba' needs numba"):
        conv_depthwise(prepare_conv(x, w, groups=3, ndim=2), "numba")


@needs_numba
def test_threads_split_the_planes(monkeypatch, rng):
    """Every plane is computed exactly once whatever the number of threads (more threads than planes too)."""
    x = rng.standard_normal((3, 5, 9, 9))
    w = rng.standard_normal((10, 1, 3, 3))
    problem = prepare_conv(x, w, padding=1, groups=5, ndim=2)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1, groups=5).numpy()
    monkeypatch.setattr(depthwise_path, "PARALLEL_WORK", 0)
    for threads in (1, 2, 7, 64):
        monkeypatch.setattr(depthwise_path, "THREADS", threads)
        np.testing.assert_allclose(conv_depthwise(problem, "numba"), expected, rtol=1e-12, atol=1e-12)


def test_loop_method_is_not_rerouted(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((2, 1, 3, 3))
    loop = convkit.conv2d(x, w, groups=2, method="loop")
    np.testing.assert_allclose(loop, F.conv2d(torch.from_numpy(x), torch.from_numpy(w), groups=2).numpy(),
                               rtol=1e-12, atol=1e-12)


def test_errors(rng):
    problem = prepare_conv(rng.standard_normal((1, 2, 5, 5)), np.ones((2, 1, 3, 3)), groups=2, ndim=2)
    with pytest.raises(ValueError, match="backend must be 'auto', 'numba' or 'numpy'"):
        conv_depthwise(problem, "cuda")
    grouped = prepare_conv(rng.standard_normal((1, 4, 5, 5)), np.ones((2, 2, 3, 3)), groups=2, ndim=2)
    with pytest.raises(ValueError, match=r"one input channel per group \(weight.shape\[1\] == 1\)"):
        conv_depthwise(grouped)
    volume = prepare_conv(rng.standard_normal((1, 2, 4, 4, 4)), np.ones((2, 1, 2, 2, 2)), groups=2, ndim=3)
    if depthwise_path.compiled() is not None:
        with pytest.raises(ValueError, match="backend='numba' computes 1-d and 2-d"):
            conv_depthwise(volume, "numba")
    assert conv_depthwise(volume).shape == (1, 2, 3, 3, 3)  # 'auto' takes NumPy for 3-d


# -- the on-disk compilation cache -----------------------------------------------------------

RUN = textwrap.dedent("""
    import numpy as np
    from convkit.conv import prepare_conv
    from convkit.depthwise_path import conv_depthwise, compiled
    x = np.arange(2 * 3 * 6 * 6, dtype=np.float64).reshape(2, 3, 6, 6)
    w = np.ones((3, 1, 3, 3))
    y = conv_depthwise(prepare_conv(x, w, padding=1, groups=3, ndim=2), "numba")
    assert y[0, 0, 1, 1] == x[0, 0, :3, :3].sum()
    kernel = compiled().depthwise_planes
    print("hits", sum(kernel.stats.cache_hits.values()), "misses", sum(kernel.stats.cache_misses.values()))
""")


def _copy_of_convkit() -> Path:
    """A private copy of the package (its own cache, not the checkout's) and the script above."""
    root = Path(tempfile.mkdtemp(prefix="convkit-cache-"))
    shutil.copytree(ROOT / "convkit", root / "convkit", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "run.py").write_text(RUN)
    return root


def _run(root: Path, env: dict[str, str], read_only: bool = False) -> str:
    """Run the script in a fresh process; ``read_only``: the package directory cannot be written."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    environment.update(PYTHONPATH=str(root), **env)
    command = [sys.executable, str(root / "run.py")]
    if read_only and os.geteuid() == 0:  # root ignores permissions: mount the package read-only
        command = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"',
                   str(root / "convkit"), *command]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _can_make_read_only(root: Path) -> bool:
    if os.geteuid() != 0:
        for path in [root / "convkit", *(root / "convkit").rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return True
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && ! touch "$0/probe"',
                            str(root / "convkit")], capture_output=True)
    return shutil.which("unshare") is not None and probe.returncode == 0


@needs_numba
@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_install_caches_in_the_user_cache_or_compiles_in_memory():
    root = _copy_of_convkit()
    try:
        if not _can_make_read_only(root):
            pytest.skip("cannot make a read-only directory here (root without mount namespaces)")
        user_cache = root / "user-cache"
        env = {"XDG_CACHE_HOME": str(user_cache), "HOME": str(user_cache)}
        # the package's own __pycache__ is not writable: numba uses the user's cache directory
        assert _run(root, env, read_only=True) == "hits 0 misses 1"
        assert not list((root / "convkit").rglob("*.nbi"))
        assert list(user_cache.rglob("depthwise_numba.depthwise_planes-*.nbi"))
        assert _run(root, env, read_only=True) == "hits 1 misses 0"
        # nothing writable anywhere: compiled in memory, still correct
        nowhere = str(root / "convkit" / "no-cache")
        assert _run(root, {"XDG_CACHE_HOME": nowhere, "HOME": nowhere}, read_only=True) == "hits 0 misses 1"
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)

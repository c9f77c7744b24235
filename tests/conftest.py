"""Shared test set-up: a deterministic hypothesis profile and torch helpers."""

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

# Deterministic: the same examples on every run, no deadline (CI machines vary).
settings.register_profile(
    "convkit",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("CONVKIT_EXAMPLES", "300")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile("convkit")
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

"""Keras's own distribution on JAX: a Seq2Seq trained with DataParallel over two (forced)
host devices gives the losses of a one-device run."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")

TRAIN = textwrap.dedent(
    """
    import json, sys
    import jax, keras, numpy as np
    import keras_seq as ks

    assert keras.backend.backend() == "jax" and len(jax.devices("cpu")) == 2, jax.devices()
    rng = np.random.default_rng(0)
    source = rng.integers(3, 20, size=(32, 7))
    source[::3, 5:] = 0  # padded rows
    target = rng.integers(3, 20, size=(32, 5))
    target[::2, 3:] = 0

    def losses(distribution):
        keras.distribution.set_distribution(distribution)
        keras.utils.set_random_seed(7)
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(20, 8, 16, bidirectional=True),
            ks.layers.RNNDecoder(20, 8, 16, attention="luong"),
        )
        model.compile(keras.optimizers.Adam(1e-2))
        history = model.fit(source, target, batch_size=8, epochs=2, shuffle=False, verbose=0)
        devices = len(model.trainable_variables[0].value.sharding.device_set)
        assert devices == (1 if distribution is None else 2), devices  # replicated weights
        return history.history["loss"] + [model.evaluate(source, target, verbose=0)]

    one_device = losses(None)
    mesh = keras.distribution.DeviceMesh((2,), ["batch"], jax.devices("cpu"))
    data_parallel = losses(keras.distribution.DataParallel(device_mesh=mesh))
    print(json.dumps({"one_device": one_device, "data_parallel": data_parallel}))
    """
)


def test_data_parallel_losses_equal_a_one_device_run():
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    result = subprocess.run(
        [sys.executable, "-c", TRAIN],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    losses = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(losses["one_device"]) == 3
    assert losses["data_parallel"] == pytest.approx(losses["one_device"], abs=1e-5)

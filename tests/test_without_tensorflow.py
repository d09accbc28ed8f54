"""keras-seq on Keras's JAX backend where TensorFlow cannot be imported (as on the
lent GPU machines): models train, decode and save; TF-only parts say they need it."""

from tests.cli._command import run_python

# Imports of these raise, as on a machine where they are not installed.
BLOCK_TENSORFLOW = """
import importlib.abc, sys

class BlockTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "tensorflow_text", "keras_hub", "tf_keras"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)

sys.meta_path.insert(0, BlockTensorFlow())
"""

SCRIPT = """
import os, sys
import keras, numpy as np
import keras_seq as ks

assert keras.backend.backend() == "jax"
keras.utils.set_random_seed(0)
source = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]] * 4, "int32")
target = np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0]] * 4, "int32")
model = ks.models.Seq2Seq(
    ks.layers.RNNEncoder(12, 8, 16),
    ks.layers.RNNDecoder(12, 8, 16, attention="luong"),
    max_length=5,
)
model.compile(keras.optimizers.Adam(2e-2))
losses = model.fit(source, target, batch_size=4, epochs=6, verbose=0).history["loss"]
assert losses[-1] < 0.8 * losses[0], losses
assert np.isfinite(model.evaluate(source, target, verbose=0))

greedy, scores = model.generate(source, decoding="greedy", return_scores=True)
beam = model.generate(source, decoding="beam")
assert greedy.shape == beam.shape == (12, 5), (greedy.shape, beam.shape)
assert (scores <= 0).all(), scores
ended = np.cumsum(np.cumsum(greedy == 2, axis=1), axis=1) > 1  # after the first end id
assert (greedy[ended] == 0).all(), greedy
np.testing.assert_array_equal(model.predict(source, verbose=0), beam)

path = os.path.join(sys.argv[1], "model.keras")
model.save(path)
loaded = keras.saving.load_model(path)
assert type(loaded) is ks.models.Seq2Seq and loaded.max_length == 5
assert loaded.decoding.get_config() == model.decoding.get_config()
for saved, weight in zip(loaded.get_weights(), model.get_weights(), strict=True):
    np.testing.assert_array_equal(saved, weight)

bleu = ks.metrics.corpus_bleu(["the cat sat on the mat"], [["the cat sat on a mat"]])
# Clipped n-gram matches counted by hand: 5/6, 3/5, 2/4 and 1/3; equal lengths.
assert abs(bleu.score - 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25) < 1e-9, bleu

assert "tensorflow" not in sys.modules
for tensorflow_only in (lambda: ks.data.WordTokenizer(), lambda: model.export(path + ".tf")):
    try:
        tensorflow_only()
    except ImportError as error:
        print(error)
    else:
        raise AssertionError("ran without TensorFlow")
"""


def test_jax_without_tensorflow(tmp_path):
    result = run_python(
        "-c",
        BLOCK_TENSORFLOW + SCRIPT,
        str(tmp_path),
        env={"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    features = [
        "keras_seq.data (tokenizers and tf.data pipelines)",
        "Seq2Seq.export (a SavedModel)",
    ]
    errors = result.stdout.splitlines()
    assert len(errors) == len(features), result.stdout
    for feature, error in zip(features, errors, strict=True):
        assert error.startswith(f"{feature} needs TensorFlow"), error
        assert "`pip install tensorflow`" in error, error

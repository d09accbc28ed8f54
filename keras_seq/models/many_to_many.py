"""Sequence → one output per step (aligned): tagging, per-step forecasting."""

import keras
from keras import ops

from keras_seq.layers.crf import CRF
from keras_seq.models.distribute import replica_share, replica_sum
from keras_seq.models.recurrent_model import HEADS, RecurrentModel


@keras.saving.register_keras_serializable(package="keras_seq")
class ManyToMany(RecurrentModel):
    """Reads a sequence and predicts one output at every step (e.g. part-of-speech tags).

    Inputs and outputs are aligned: output `t` depends on inputs up to `t` (or on
    the whole sequence when `bidirectional=True`). For token inputs the output
    carries the padding mask, so Keras losses and metrics skip padded steps.
    Arguments are those of `keras_seq.models.ManyToOne`.

    cuDNN: the defaults keep Keras's cuDNN-eligible LSTM/GRU configuration; the
    `"rnn"` cell has no fused kernel, and a masked batch must be right-padded.

    With `head="crf"`, a `keras_seq.layers.CRF` (`model.crf`) reads linear per-step
    tag scores. Compile without a loss: the model trains on the CRF's negative
    log-likelihood of the tag sequences (the mean over sequences), so
    `model.fit(ids, tags)` just works. Called for inference (and in `predict`,
    `evaluate` and the exported model) it returns the Viterbi path, one-hot, with the
    softmax head's shape: `argmax(-1)` gives the tags, accuracy metrics score the
    path and padded steps are masked. Called with `training=True` it returns the
    CRF's input scores, which is what the metrics of `fit`'s training steps read (its
    validation metrics read the Viterbi path). `sample_weight` weighs whole
    sentences: per-step weights leave out the steps whose weight is 0 and weigh each
    sentence by the mean weight of its other steps.

    The recurrent part is a `keras_seq.layers.RNNEncoder` (`model.encoder`).
    `model.export(path)` serves inputs of any batch size and length, token ids
    as int32 or int64.

    Args:
        vocab_size: int or None. Number of token ids, padding included.
        embedding_dim: int or None. Embedding size. Defaults to `units`.
        input_dim: int or None. Features per step for float inputs.
        units: int. Hidden size of each recurrent layer. Defaults to `64`.
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked layers. Defaults to `1`.
        bidirectional: bool. Read in both directions. Defaults to `False`.
        dropout: float. Dropout on the token embeddings, between layers and before
            the head. Defaults to `0.0`.
        residual: bool. Residual connections between layers. Defaults to `False`.
        num_outputs: int. Number of tags (or targets) per step. Defaults to `1`.
        head: str or None. Output activation: `"softmax"` (classes, with a sparse
            categorical cross-entropy), `"crf"` (tags, with a linear-chain CRF: see
            below), `"sigmoid"` (binary or multi-label) or `"linear"` (regression).
            Defaults to `None`: softmax for several outputs, sigmoid for one.
        mask_value: float or None. Padding value of feature inputs. Defaults to
            `None`.
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> tagger = keras_seq.models.ManyToMany(vocab_size=50, units=16,
    ...                                      bidirectional=True, num_outputs=5)
    >>> tagger.compile("adam", "sparse_categorical_crossentropy")
    >>> ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    >>> _ = tagger.fit(ids, np.array([[1, 2, 3, 0], [4, 1, 0, 0]]), verbose=0)
    >>> tagger.predict(ids, verbose=0).shape
    (2, 4, 5)
    """

    return_sequences = True
    heads = {**HEADS, "crf": None}  # the CRF reads linear scores

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crf = CRF(name="crf") if self.head == "crf" else None

    def build(self, inputs_shape):
        super().build(inputs_shape)
        if self.crf is not None:
            self.crf.build(self.compute_output_shape(inputs_shape))

    def call(self, inputs, training=None):
        outputs = super().call(inputs, training)
        if self.crf is None:
            return outputs
        return self.crf(outputs, mask=self.compute_mask(inputs), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.crf is None:
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        if self.loss is not None:
            raise ValueError(
                "A ManyToMany with head='crf' trains on its CRF's negative log-likelihood: "
                f"compile it without a loss. Received: loss={self.loss!r}"
            )
        # Outside training `y_pred` is the Viterbi path: the scores are computed again.
        potentials = y_pred if training else super().call(x, training=False)
        mask = self.compute_mask(x)
        if mask is None:
            mask = ops.ones(ops.shape(potentials)[:2], "bool")
        weights = ops.ones(ops.shape(potentials)[:1])
        if sample_weight is not None:
            # Per-sentence (batch,) or per-step (batch, timesteps) weights alike.
            steps = ops.broadcast_to(
                ops.reshape(ops.cast(sample_weight, "float32"), (ops.shape(mask)[0], -1)),
                ops.shape(mask),
            )
            mask = mask & (steps != 0)
            real = ops.cast(mask, "float32")
            weights = ops.sum(steps * real, axis=1) / ops.maximum(ops.sum(real, axis=1), 1.0)
        tags = ops.reshape(y, ops.shape(mask))  # (batch, timesteps), or with a last axis of 1
        negative_log_likelihood = -self.crf.log_likelihood(potentials, tags, mask)
        # Each replica's share of the global batch's mean (see models/distribute.py).
        batch = ops.cast(ops.shape(potentials)[0], "float32")
        loss = ops.sum(negative_log_likelihood * weights) / ops.maximum(replica_sum(batch), 1.0)
        if self.losses:
            loss = loss + replica_share(ops.sum([ops.cast(w, "float32") for w in self.losses]))
        return loss

    def compute_mask(self, inputs, mask=None):
        memory_mask, _ = self.encoder.compute_mask(inputs)
        return memory_mask

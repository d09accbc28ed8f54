"""Target prefix (teacher forcing) or one token at a time → next-token logits."""

import keras
from keras import ops

from keras_seq.checks import (
    check_dtype,
    check_id_range,
    check_nonempty_batch,
    check_positive_int,
    check_shape,
    check_token_ids,
)
from keras_seq.layers.bahdanau_attention import BahdanauAttention
from keras_seq.layers.luong_attention import LuongAttention
from keras_seq.layers.recurrent_factory import recurrent_layer
from keras_seq.layers.stacked import Stacked

ATTENTIONS = (None, "bahdanau", "luong")


@keras.saving.register_keras_serializable(package="keras_seq")
class RNNDecoder(keras.layers.Layer):
    """Embedding → stacked recurrent layers (→ attention) → vocabulary logits.

    `call` runs teacher-forced over a whole target prefix; `step` runs one token
    from the same weights, and the two agree. Attention variants:

    - `None`: logits from the top hidden state `h_t`.
    - `"luong"`: `h_t` attends over the encoder memory (`score="dot"` or
      `"general"`); logits come from the attentional vector
      `a_t = tanh(W_c [c_t; h_t])`. Without input feeding the recurrent layers run
      over the whole prefix at once (cuDNN-eligible); with `input_feeding=True`,
      `a_{t-1}` is also an input at step `t`, which makes the call a loop over steps.
    - `"bahdanau"`: the previous top hidden state attends (additive score) before the
      step and the context is an input of the recurrent layers; logits come from
      `a_t` as above. The call is a loop over steps.

    Memory padding (its mask) never receives attention; target padding (id 0)
    is masked in the recurrent layers.

    cuDNN: with `attention=None` or `"luong"` without input feeding, the defaults
    keep Keras's cuDNN-eligible configuration; the loop variants step the cells.
    In the loop variants `dropout` applies to the embeddings and the attentional
    vector only.

    Args:
        vocab_size: int. Number of target token ids, padding included.
        embedding_dim: int. Size of the token embeddings.
        units: int. Hidden size of every recurrent layer.
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked recurrent layers. Defaults to `1`.
        attention: str or None. `None`, `"luong"` or `"bahdanau"`. Defaults to `None`.
        dropout: float. Dropout on embeddings, between layers and before the
            output projection, in training only. Defaults to `0.0`.
        residual: bool. Residual connections from the second layer on. Defaults to
            `False`.
        attention_score: str. Luong's score, `"general"` or `"dot"`. Defaults to
            `"general"`.
        attention_units: int or None. Bahdanau's scoring size. Defaults to `units`.
        input_feeding: bool. Feed the previous attentional vector to the next step
            (Luong et al., 2015). Defaults to `False`.
        initializer: str, initializer or None. If set, used for every kernel and
            embedding (e.g. `RandomUniform(-0.08, 0.08)` from the 2014 paper).
            Defaults to `None` (the Keras defaults).
        conditioning_dim: int. Size of a conditioning vector appended to the input of
            every step (e.g. an image or class embedding in `OneToMany`); 0 for none.
            Defaults to `0`.
        **kwargs: base layer arguments.

    Call arguments:
        target_ids: int tensor `(batch_size, timesteps)`: the decoder input (start
            token then the target prefix), 0-padded on the right.
        initial_state: list with one list of states per layer (as returned by
            `RNNEncoder` after a bridge), or None for zeros.
        memory: float tensor `(batch_size, source_steps, memory_dim)`, needed with
            attention.
        memory_mask: bool tensor `(batch_size, source_steps)` or None.
        conditioning: float tensor `(batch_size, conditioning_dim)`, needed when
            `conditioning_dim > 0`.
        training: bool or None.
        return_attention: bool. Also return the alignment weights.
        feedback: None (teacher forcing) or, for the loop variants only, a
            callable with a `per_step` attribute (scheduled sampling, see
            `keras_seq.models.scheduled_sampling`): step `t` reads
            `feedback(x_t, per_step[:, t], logits_{t-1})` instead of the embedded
            input `x_t`; `per_step` is a float tensor `(batch_size, timesteps, n)`.

    Returns:
        Logits of shape `(batch_size, timesteps, vocab_size)`; with
        `return_attention=True` also the weights `(batch_size, timesteps,
        source_steps)`.

    Example:
    >>> import numpy as np, keras_seq
    >>> encoder = keras_seq.layers.RNNEncoder(50, 8, 16)
    >>> decoder = keras_seq.layers.RNNDecoder(60, 8, 16, attention="luong")
    >>> source = np.array([[4, 5, 6, 2], [7, 8, 2, 0]])
    >>> memory, states = encoder(source)
    >>> logits = decoder(np.array([[1, 9, 10], [1, 11, 0]]), initial_state=states,
    ...                  memory=memory, memory_mask=source != 0)
    >>> tuple(logits.shape)
    (2, 3, 60)

    References:
        Sutskever, Vinyals and Le, 2014. Bahdanau, Cho and Bengio, 2015. Luong, Pham
        and Manning, "Effective Approaches to Attention-based Neural Machine
        Translation", 2015.
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        units,
        cell="lstm",
        num_layers=1,
        attention=None,
        dropout=0.0,
        residual=False,
        attention_score="general",
        attention_units=None,
        input_feeding=False,
        initializer=None,
        conditioning_dim=0,
        **kwargs,
    ):
        check_positive_int("vocab_size", vocab_size)
        if (
            isinstance(conditioning_dim, bool)
            or not isinstance(conditioning_dim, int)
            or (conditioning_dim < 0)
        ):
            raise ValueError(
                "`conditioning_dim` must be an int >= 0. "
                f"Received: conditioning_dim={conditioning_dim!r}"
            )
        check_positive_int("embedding_dim", embedding_dim)
        if attention not in ATTENTIONS:
            raise ValueError(
                f"`attention` must be one of {ATTENTIONS}. Received: attention={attention!r}"
            )
        if input_feeding and attention != "luong":
            raise ValueError(
                "`input_feeding` feeds Luong attentional vectors; it needs attention='luong'. "
                f"Received: input_feeding=True, attention={attention!r}"
            )
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.cell = cell
        self.num_layers = num_layers
        self.attention = attention
        self.dropout = dropout
        self.residual = bool(residual)
        self.attention_score = attention_score
        self.attention_units = attention_units
        self.input_feeding = bool(input_feeding)
        self.conditioning_dim = conditioning_dim
        self.initializer = keras.initializers.get(initializer) if initializer else None
        kernel_init = self.initializer or "glorot_uniform"

        self.embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            mask_zero=True,
            embeddings_initializer=self.initializer or "uniform",
            name="embedding",
        )
        recurrent_kwargs = {}
        if self.initializer is not None:
            recurrent_kwargs = {
                "kernel_initializer": self.initializer,
                "recurrent_initializer": self.initializer,
            }
        self.recurrent = Stacked(
            recurrent_layer(
                cell, units, return_sequences=True, return_state=True, **recurrent_kwargs
            ),
            num_layers,
            residual=residual,
            dropout=dropout,
            name="recurrent",
        )
        self.attention_layer = None
        self.attentional_layer = None
        if attention == "bahdanau":
            self.attention_layer = BahdanauAttention(attention_units or units, name="attention")
        elif attention == "luong":
            self.attention_layer = LuongAttention(attention_score, name="attention")
        if attention is not None:
            self.attentional_layer = keras.layers.Dense(
                units,
                activation="tanh",
                use_bias=False,
                kernel_initializer=kernel_init,
                name="attentional",
            )
        self.projection = keras.layers.Dense(
            vocab_size, kernel_initializer=kernel_init, name="logits"
        )
        self.dropout_layer = keras.layers.Dropout(dropout) if dropout > 0 else None

    @property
    def loops_over_steps(self):
        """True when the teacher-forced call must step (Bahdanau, input feeding)."""
        return self.attention == "bahdanau" or self.input_feeding

    def _recurrent_input_dim(self, memory_dim):
        extra = memory_dim if self.attention == "bahdanau" else 0
        extra += self.units if self.input_feeding else 0
        return self.embedding_dim + self.conditioning_dim + extra

    def build(
        self,
        target_ids_shape,
        initial_state_shape=None,
        memory_shape=None,
        memory_mask_shape=None,
        conditioning_shape=None,
    ):
        if self.attention is not None and memory_shape is None:
            raise ValueError(
                f"An RNNDecoder with attention={self.attention!r} needs `memory` (the "
                "encoder outputs) to build."
            )
        memory_dim = memory_shape[-1] if memory_shape is not None else 0
        batch = target_ids_shape[0]
        self.embedding.build(target_ids_shape)
        self.recurrent.build((batch, None, self._recurrent_input_dim(memory_dim)))
        output_dim = self.units
        if self.attention_layer is not None:
            self.attention_layer.build((batch, None, self.units), tuple(memory_shape))
            self.attentional_layer.build((batch, None, self.units + memory_dim))
        self.projection.build((batch, None, output_dim))
        self.built = True

    def get_initial_state(self, batch_size, rnn_states=None):
        """The decoding state `step` expects: `{"rnn": states per layer}`, plus the
        previous attentional vector (zeros) with input feeding.

        Args:
            batch_size: int or scalar tensor.
            rnn_states: list with one list of states per layer, or None for zeros.
        """
        state = {
            "rnn": rnn_states
            if rnn_states is not None
            else self.recurrent.get_initial_state(batch_size, dtype=self.compute_dtype)
        }
        if self.input_feeding:
            state["attentional"] = ops.zeros((batch_size, self.units), dtype=self.compute_dtype)
        return state

    def prepare_memory(self, memory=None, memory_mask=None, conditioning=None):
        """The step constants: memory, its precomputed attention keys, its mask, and the
        conditioning vector.

        Computed once per input, so steps do not repeat the key projection. Returns
        None when the decoder has neither attention nor conditioning.
        """
        constants = {}
        if self.attention_layer is not None:
            if memory_mask is None:
                memory_mask = ops.ones(ops.shape(memory)[:2], dtype="bool")
            constants.update(
                memory=memory,
                keys=self.attention_layer.keys(memory),
                mask=ops.cast(memory_mask, "bool"),
            )
        if self.conditioning_dim:
            constants["conditioning"] = conditioning
        return constants or None

    def start(
        self, batch_size, initial_state=None, memory=None, memory_mask=None, conditioning=None
    ):
        """The decoding start for a batch: `(state, constants)` as `step` takes them.

        Builds the decoder from the memory and conditioning shapes if it is not built
        yet. `keras_seq.decoding.DecodingLayer` decodes from what this returns.

        Args:
            batch_size: int or scalar tensor.
            initial_state: list with one list of states per layer (e.g. the encoder's
                states after a `Bridge`), or None for zeros.
            memory: float tensor `(batch_size, source_steps, memory_dim)`, needed with
                attention.
            memory_mask: bool tensor `(batch_size, source_steps)` or None.
            conditioning: float tensor `(batch_size, conditioning_dim)`, needed when
                `conditioning_dim > 0`.

        Returns:
            `(state, constants)`: the nests of `get_initial_state` and `prepare_memory`.
        """
        if not self.built:
            self.build(
                (None, None),
                memory_shape=None if memory is None else tuple(memory.shape),
                conditioning_shape=None if conditioning is None else tuple(conditioning.shape),
            )
        state = self.get_initial_state(batch_size, initial_state)
        return state, self.prepare_memory(memory, memory_mask, conditioning)

    def _attend(self, query, constants):
        return self.attention_layer(
            query, constants["memory"], constants["mask"], keys=constants["keys"]
        )

    def _step_from_embedding(self, x, state, constants, training=None):
        """One step from an embedded token; returns (logits, new_state, weights)."""
        weights = None
        if self.attention == "bahdanau":
            context, weights = self._attend(state["rnn"][-1][0], constants)
            x = ops.concatenate([x, context], axis=-1)
        if self.input_feeding:
            x = ops.concatenate([x, state["attentional"]], axis=-1)
        hidden, rnn_states = self.recurrent.step(x, state["rnn"])
        new_state = {"rnn": rnn_states}
        output = hidden
        if self.attention is not None:
            if self.attention == "luong":
                context, weights = self._attend(hidden, constants)
            output = self.attentional_layer(ops.concatenate([context, hidden], axis=-1))
            if self.input_feeding:
                new_state["attentional"] = output
        if self.dropout_layer is not None:
            output = self.dropout_layer(output, training=training)
        return self.projection(output), new_state, weights

    def step(self, token_ids, state, constants=None, return_attention=False):
        """Runs one decoding step.

        Args:
            token_ids: int tensor `(batch_size,)`: the previous token.
            state: the nest from `get_initial_state` or a previous `step`.
            constants: the nest from `prepare_memory`, or None without attention.
            return_attention: bool. Also return `(weights, memory_mask)`, the step's
                attention over the memory (for beam search's coverage penalty).

        Returns:
            `(logits, new_state)`: logits of shape `(batch_size, vocab_size)` and the
            state for the next step; with `return_attention`, a third element.
        """
        # A plain lookup: calling the Embedding layer would attach a padding mask
        # that the recurrent cells cannot take.
        check_dtype("token_ids", token_ids.dtype, ("int",), "integer token ids")
        check_shape("token_ids", token_ids.shape, ("batch_size",))
        # Eager calls only: inside a decoding loop the ids come from the logits' argmax,
        # and an assertion there would cost every step.
        check_id_range("token_ids", token_ids, self.vocab_size)
        embedded = ops.take(self.embedding.embeddings, token_ids, axis=0)
        if self.conditioning_dim:
            embedded = ops.concatenate([embedded, constants["conditioning"]], axis=-1)
        logits, new_state, weights = self._step_from_embedding(embedded, state, constants)
        if return_attention:
            if weights is None:
                raise ValueError(
                    "`return_attention=True` (e.g. for a coverage penalty) needs an "
                    f"RNNDecoder with attention. Received: attention={self.attention!r}"
                )
            return logits, new_state, (weights, constants["mask"])
        return logits, new_state

    def call(
        self,
        target_ids,
        initial_state=None,
        memory=None,
        memory_mask=None,
        conditioning=None,
        training=None,
        return_attention=False,
        feedback=None,
    ):
        check_nonempty_batch("target_ids", target_ids)
        target_ids = check_token_ids("target_ids", target_ids, self.vocab_size)
        if feedback is not None and not self.loops_over_steps:
            raise ValueError(
                "`feedback` feeds the predictions of a decoder that loops over steps "
                f"(Bahdanau attention or input feeding). Received: attention={self.attention!r}, "
                f"input_feeding={self.input_feeding}"
            )
        if self.attention is not None and memory is None:
            raise ValueError(
                f"An RNNDecoder with attention={self.attention!r} needs `memory`. "
                "Received: memory=None"
            )
        if self.conditioning_dim and conditioning is None:
            raise ValueError(
                f"An RNNDecoder with conditioning_dim={self.conditioning_dim} needs "
                "`conditioning`. Received: conditioning=None"
            )
        embedded = self.embedding(target_ids)
        if self.dropout_layer is not None:
            embedded = self.dropout_layer(embedded, training=training)
        if self.conditioning_dim:
            every_step = ops.zeros_like(embedded[..., :1]) + ops.expand_dims(
                ops.cast(conditioning, embedded.dtype), 1
            )
            embedded = ops.concatenate([embedded, every_step], axis=-1)
        constants = self.prepare_memory(memory, memory_mask, conditioning)
        batch_size = ops.shape(target_ids)[0]
        if self.loops_over_steps:
            logits, weights = self._loop(
                embedded, initial_state, constants, batch_size, training, feedback
            )
        else:
            logits, weights = self._parallel(
                embedded, target_ids, initial_state, constants, training
            )
        if return_attention:
            return logits, weights
        return logits

    def _parallel(self, embedded, target_ids, initial_state, constants, training):
        hidden, _ = self.recurrent(
            embedded,
            initial_state=initial_state,
            mask=ops.not_equal(target_ids, 0),
            training=training,
        )
        weights = None
        output = hidden
        if self.attention is not None:
            context, weights = self._attend(hidden, constants)
            output = self.attentional_layer(ops.concatenate([context, hidden], axis=-1))
        if self.dropout_layer is not None:
            output = self.dropout_layer(output, training=training)
        return self.projection(output), weights

    def _loop(self, embedded, initial_state, constants, batch_size, training, feedback=None):
        # Keras's TensorFlow `scan` stacks only values shaped like the carry, so the
        # step's outputs travel in the carry and are read back from the stacked carries.
        carry = {
            "state": self.get_initial_state(batch_size, initial_state),
            "logits": ops.zeros((batch_size, self.vocab_size), dtype=self.compute_dtype),
            "weights": ops.zeros(ops.shape(constants["memory"])[:2], dtype=self.compute_dtype),
        }

        width = embedded.shape[-1]
        if feedback is not None:
            # One scanned tensor, not a nest: Keras 3.15's TensorFlow `scan` fails on
            # several `xs` of unknown length ('NoneType' object has no attribute
            # 'assert_is_compatible_with', in keras/src/backend/tensorflow/core.py; no
            # upstream issue found; tests/layers/test_scan_workaround.py).
            per_step = ops.cast(feedback.per_step, embedded.dtype)
            embedded = ops.concatenate([embedded, per_step], axis=-1)

        def one_step(carry, x_t):
            if feedback is not None:
                x_t = feedback(x_t[:, :width], x_t[:, width:], carry["logits"])
            logits, state, weights = self._step_from_embedding(
                x_t, carry["state"], constants, training=training
            )
            new_carry = {"state": state, "logits": logits, "weights": weights}
            return new_carry, new_carry

        _, stacked = ops.scan(one_step, carry, ops.transpose(embedded, (1, 0, 2)))
        return (
            ops.transpose(stacked["logits"], (1, 0, 2)),
            ops.transpose(stacked["weights"], (1, 0, 2)),
        )

    def compute_output_shape(
        self,
        target_ids_shape,
        initial_state_shape=None,
        memory_shape=None,
        memory_mask_shape=None,
        conditioning_shape=None,
    ):
        return tuple(target_ids_shape) + (self.vocab_size,)

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "attention": self.attention,
            "dropout": self.dropout,
            "residual": self.residual,
            "attention_score": self.attention_score,
            "attention_units": self.attention_units,
            "input_feeding": self.input_feeding,
            "conditioning_dim": self.conditioning_dim,
            "initializer": keras.initializers.serialize(self.initializer)
            if self.initializer
            else None,
        }

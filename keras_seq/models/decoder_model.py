"""What Seq2Seq and OneToMany share: teacher-forced training and decoding by a strategy."""

import contextlib
import functools
import inspect

import keras
import numpy as np
from keras import ops

from keras_seq import _tf, checks
from keras_seq import decoding as decoding_lib
from keras_seq.decoding._compiled import compiled, compiled_scoring
from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.models import scheduled_sampling as scheduled_sampling_lib
from keras_seq.models.distribute import StrategyTrainer, is_distributed, replica_share
from keras_seq.models.jax_recovery import KeepsVariablesOnError
from keras_seq.models.quiet_fit import QuietFit
from keras_seq.models.teacher_forcing import (
    masked_cross_entropy,
    teacher_forced_batch,
    teacher_forced_tensors,
)


class DecoderModel(
    KeepsVariablesOnError,
    QuietFit,
    StrategyTrainer,
    scheduled_sampling_lib.ScheduledSamplingTrainer,
    keras.Model,
):
    """A model whose output sequence comes from an `RNNDecoder`.

    Subclasses implement one hook, `decoder_start(inputs, training=False)`, which
    returns the decoder's conditioning for a batch of inputs (its initial states,
    encoder memory and mask, or a conditioning vector), and may override
    `check_inputs` to reject bad eager inputs early. This class does the rest:
    teacher forcing in the input pipeline of `fit`/`evaluate` (any backend's train
    step then runs), the masked loss, and
    `generate`/`predict` with the model's decoding strategy.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`.
        inputs_shape: tuple. Shape of one batch of the model's inputs, unknown
            dimensions None (for the export signature and `build`).
        inputs_dtype: str. Dtype of the model's inputs.
        decoding: the default decoding strategy of `generate` and `predict`:
            `"greedy"`, `"beam"`, `"sample"`, a config dict or a `keras_seq.decoding`
            strategy. Defaults to `"beam"` (beam width 4).
        max_length: int. Default maximum number of generated tokens (end included).
        start_id: int. Id the decoder starts from.
        end_id: int. Id that ends a target.
        label_smoothing: float. Label smoothing of the default loss, in [0, 1).
        scheduled_sampling: None (teacher forcing), a
            `keras_seq.schedules.SamplingSchedule` or a
            `keras_seq.models.scheduled_sampling.ScheduledSampling`: in training, the
            decoder reads its own previous prediction instead of the gold token with
            the schedule's probability. Defaults to `None`.
        **kwargs: `keras.Model` arguments.
    """

    def __init__(
        self,
        decoder,
        *,
        inputs_shape,
        inputs_dtype,
        decoding="beam",
        max_length=64,
        start_id=1,
        end_id=2,
        label_smoothing=0.0,
        scheduled_sampling=None,
        **kwargs,
    ):
        check_rnn_decoder(decoder)
        for name, value in (("start_id", start_id), ("end_id", end_id)):
            checks.check_int(
                name,
                value,
                minimum=1,
                maximum=decoder.vocab_size - 1,
                expected=f"a target id in [1, {decoder.vocab_size}) (0 is padding)",
            )
        label_smoothing = checks.check_rate("label_smoothing", label_smoothing)
        super().__init__(**kwargs)
        self.decoder = decoder
        self.decoding = decoding_lib.get(decoding)
        self.max_length = checks.check_decoding_length(max_length)
        self.start_id = start_id
        self.end_id = end_id
        self.label_smoothing = label_smoothing
        self.scheduled_sampling = scheduled_sampling_lib.get(scheduled_sampling)
        self.inputs_shape = tuple(inputs_shape)
        self.inputs_dtype = inputs_dtype
        # Compiled decoding functions and their layers, one per (strategy, max_length);
        # set through object.__setattr__ so that Keras does not track them as sub-layers.
        object.__setattr__(self, "_decoders", {})
        object.__setattr__(self, "_scorer", None)  # the compiled `score` computation
        object.__setattr__(self, "_fitting", False)
        object.__setattr__(self, "_resume_skip_batches", 0)

    def decoder_start(self, inputs, training=False):
        """The decoder's conditioning for a batch of `inputs`.

        Returns:
            A dict of `RNNDecoder` call arguments among `initial_state`, `memory`,
            `memory_mask` and `conditioning`.
        """
        raise NotImplementedError

    def check_inputs(self, inputs):
        """Raises a clear error for eager inputs the model cannot take; returns them
        as the tensor `decoder_start` expects."""
        return inputs

    def call(self, inputs, training=None):
        """Teacher-forced logits for `(inputs, decoder_input_ids)`."""
        conditions, decoder_inputs = inputs
        start = self.decoder_start(conditions, training=training)
        if training and self.scheduled_sampling is not None:
            step = scheduled_sampling_lib.training_step(self)
            return self.scheduled_sampling.decoder_logits(
                self.decoder, decoder_inputs, start, step, training=training
            )
        return self.decoder(decoder_inputs, **start, training=training)

    def fit(
        self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs
    ):
        """`keras.Model.fit` on `(inputs, target_ids)`, teacher-forced.

        `x` and `y` are the inputs and the 0-padded targets (without start or end
        tokens), or `x` is a `tf.data.Dataset` (or a generator) of `(inputs,
        target_ids)` batches; `validation_data` likewise. Teacher forcing happens in the
        input pipeline, so every Keras backend's own train step runs: the model is
        called on `(inputs, start + target)` and trained on `target + end`, with the
        padding weighted 0.

        A `keras_seq.schedules.HalvingSchedule` that does not know its epoch length
        yet gets a `keras_seq.callbacks.EpochLengthCallback`, appended after
        `callbacks` unless they hold one already. A `keras.callbacks.CallbackList`
        is passed on as it is. Arguments after `callbacks` go by keyword.

        With a `keras.callbacks.BackupAndRestore` among `callbacks`, a restarted run
        continues where the backup left it, mid-epoch included (see
        `keras_seq.callbacks.resume.ResumeState`, which is added for it).

        Example:
        >>> import numpy as np, keras, keras_seq
        >>> from keras_seq.schedules import HalvingSchedule
        >>> model = keras_seq.models.Seq2Seq(
        ...     keras_seq.layers.RNNEncoder(20, 8, 16), keras_seq.layers.RNNDecoder(20, 8, 16))
        >>> schedule = HalvingSchedule(0.7)
        >>> model.compile(optimizer=keras.optimizers.SGD(schedule))
        >>> source, target = np.full((6, 4), 5), np.full((6, 3), 7)
        >>> _ = model.fit(source, target, batch_size=2, verbose=0)
        >>> schedule.steps_per_epoch
        3
        """
        from keras_seq.callbacks.epoch_length import schedule_callbacks
        from keras_seq.callbacks.resume import resume_callbacks

        if not isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = list(callbacks or [])
            callbacks += resume_callbacks(callbacks) + schedule_callbacks(self, callbacks)
        # BackupAndRestore loads its weights at the start of training, before Keras
        # would build the model from the first batch; variables go where Keras would
        # create them, in the model's tf.distribute strategy.
        strategy = getattr(self, "distribute_strategy", None)
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            self._ensure_built()
        x, y, kwargs["sample_weight"] = self._teacher_forced_data(x, y, kwargs.get("sample_weight"))
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = self._teacher_forced_validation(kwargs["validation_data"])
        # Keras's fit validates through `evaluate` with the data prepared here already.
        object.__setattr__(self, "_fitting", True)
        try:
            return super().fit(x, y, batch_size, epochs, verbose, callbacks, **kwargs)
        finally:
            object.__setattr__(self, "_fitting", False)
            object.__setattr__(self, "_resume_skip_batches", 0)

    def make_train_function(self, force=False):
        """Keras's train function, skipping the batches a resumed backup had trained.

        `keras_seq.callbacks.resume.ResumeState` sets `_resume_skip_batches` when a
        `keras.callbacks.BackupAndRestore` restores a run saved mid-epoch; Keras itself
        would train that epoch again from its first batch.
        """
        super().make_train_function(force)
        train_function = self.train_function
        # Other backends' train functions take (state, data), and a strategy's train
        # function runs on a distributed iterator: ResumeState refuses both.
        if (
            keras.backend.backend() != "tensorflow"
            or getattr(train_function, "skips_resumed_batches", False)
            or is_distributed(self.distribute_strategy)
        ):
            return train_function

        def skipping_train_function(iterator):
            if not self._resume_skip_batches:
                return train_function(iterator)
            # One call of Keras's train function consumes `steps_per_execution` batches.
            for _ in range(self.steps_per_execution):
                next(iterator)
            skip = max(self._resume_skip_batches - self.steps_per_execution, 0)
            object.__setattr__(self, "_resume_skip_batches", skip)
            return self.get_metrics_result()

        skipping_train_function.skips_resumed_batches = True
        self.train_function = skipping_train_function
        return skipping_train_function

    def evaluate(self, x=None, y=None, *args, sample_weight=None, **kwargs):
        """`keras.Model.evaluate` on `(inputs, target_ids)`, teacher-forced as in `fit`."""
        if not self._fitting:
            x, y, sample_weight = self._teacher_forced_data(x, y, sample_weight)
        return super().evaluate(x, y, *args, sample_weight=sample_weight, **kwargs)

    def train_on_batch(self, x, y=None, sample_weight=None, **kwargs):
        """`keras.Model.train_on_batch` on one `(inputs, target_ids)` batch."""
        x, y, sample_weight = self._teacher_forced_data(x, y, sample_weight)
        return super().train_on_batch(x, y, sample_weight=sample_weight, **kwargs)

    def test_on_batch(self, x, y=None, sample_weight=None, **kwargs):
        """`keras.Model.test_on_batch` on one `(inputs, target_ids)` batch."""
        x, y, sample_weight = self._teacher_forced_data(x, y, sample_weight)
        return super().test_on_batch(x, y, sample_weight=sample_weight, **kwargs)

    def _teacher_forced_data(self, x, y, sample_weight):
        """`(x, y, sample_weight)` for Keras: `((inputs, decoder_inputs), labels, mask)`,
        for arrays, or a dataset or generator of such batches."""
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} weighs tokens by the target padding mask; "
                "`sample_weight` is not supported. Received: a sample_weight"
            )
        if _tf.is_tf_dataset(x):
            import tensorflow as tf  # loaded already, since x is a tf.data.Dataset

            self._check_no_targets_beside(y)
            return (
                x.map(self._teacher_forced_element, num_parallel_calls=tf.data.AUTOTUNE),
                None,
                None,
            )
        if inspect.isgenerator(x):
            self._check_no_targets_beside(y)
            return (self._teacher_forced_arrays(*self._pair(batch)) for batch in x), None, None
        if y is None:
            raise ValueError(
                f"{type(self).__name__} trains on (inputs, target_ids) pairs: pass the 0-padded "
                "target ids as `y`, or a dataset of (inputs, target_ids). Received: y=None"
            )
        return self._teacher_forced_arrays(x, y)

    def _teacher_forced_validation(self, data):
        if _tf.is_tf_dataset(data) or inspect.isgenerator(data):
            return self._teacher_forced_data(data, None, None)[0]
        return self._teacher_forced_arrays(*self._pair(data))

    def _teacher_forced_element(self, *element):
        inputs, target_ids = self._checked_batch(*self._pair(element))
        return teacher_forced_tensors(inputs, target_ids, self.start_id, self.end_id)

    def _teacher_forced_arrays(self, inputs, target_ids):
        self._check_arrays(inputs, target_ids)
        inputs, target_ids = self._checked_batch(inputs, target_ids)
        return teacher_forced_batch(inputs, target_ids, self.start_id, self.end_id)

    def _check_arrays(self, inputs, target_ids):
        """Names what is wrong with eager `(inputs, target_ids)` before Keras slices
        them into steps (where a bad dtype or rank fails deep inside the graph)."""
        inputs = self._checked(inputs)
        target_ids = ops.convert_to_tensor(target_ids)
        checks.check_dtype("target_ids", target_ids.dtype, ("int",), "integer token ids")
        checks.check_ids_shape("target_ids", target_ids.shape)
        checks.check_same_rows("inputs", inputs, "target_ids", target_ids)

    def _checked_batch(self, inputs, target_ids):
        """Range-checks a training batch's ids where they enter: eagerly, or by an
        assertion in the `tf.data` map, which XLA (`jit_compile=True`) never compiles
        away as it does the layers' own assertions. The labels reach only the loss."""
        target_ids = checks.checked_id_range("target_ids", target_ids, self.decoder.vocab_size)
        # The end token goes after the last real token: left padding would misplace it.
        target_ids = checks.checked_right_padded("target_ids", target_ids)
        return self.checked_input_ids(inputs), target_ids

    def checked_input_ids(self, inputs):
        """Returns `inputs`, their id range checked (eagerly or in graph) when they are
        ids; subclasses with token or label inputs override it."""
        return inputs

    def _pair(self, element):
        if not isinstance(element, (tuple, list)) or len(element) != 2:
            length = len(element) if isinstance(element, (tuple, list)) else 1
            raise ValueError(
                f"{type(self).__name__} trains on (inputs, target_ids) pairs, without "
                f"sample weights (the target padding mask weighs the tokens). Received "
                f"batches of {length} element(s)"
            )
        return element

    def _check_no_targets_beside(self, y):
        if y is not None:
            raise ValueError(
                "With a dataset or a generator, the targets travel inside it as (inputs, "
                "target_ids) batches: pass y=None."
            )

    def compile(self, *args, metrics=None, weighted_metrics=None, **kwargs):
        """`keras.Model.compile`, with `metrics` weighted by the target padding mask.

        Keras weighs only `weighted_metrics` by the sample weights (here, the mask of
        real target tokens). On TensorFlow the logits' Keras mask hides the padding
        from plain `metrics` as well; on JAX nothing would, so a list of `metrics` is
        computed as weighted metrics on every backend and padding never counts.
        """
        if isinstance(metrics, (list, tuple)):
            weighted_metrics = [*(weighted_metrics or []), *metrics]
            metrics = None
        return super().compile(*args, metrics=metrics, weighted_metrics=weighted_metrics, **kwargs)

    def compile_from_config(self, config):
        """Compiles a loaded model as it was saved. Keras's own version refuses models
        that override `compile`; ours only moves `metrics` to `weighted_metrics`."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is not None:  # a loss given to compile() wins
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        loss = masked_cross_entropy(y, y_pred, self.label_smoothing)
        if self.losses:
            loss = loss + replica_share(ops.sum(self.losses))
        return loss

    def decoding_layer(self, decoding=None, max_length=None):
        """The `keras_seq.decoding.DecodingLayer` over this model's decoder.

        Args:
            decoding: strategy or None for the model's `decoding`.
            max_length: int or None for the model's `max_length`.
        """
        strategy = self.decoding if decoding is None else decoding_lib.get(decoding)
        max_length = self.max_length if max_length is None else max_length
        max_length = checks.check_decoding_length(max_length)
        return decoding_lib.DecodingLayer(
            self.decoder, strategy, max_length, start_id=self.start_id, end_id=self.end_id
        )

    def decode(self, inputs, layer, prefix=None):
        """Runs `layer` (a `decoding_layer()`) on a batch of inputs, in graph or eagerly.

        Args:
            inputs: a batch of the model's inputs.
            layer: a `decoding_layer()`.
            prefix: optional int tensor `(batch_size, prefix_length)` padded with -1:
                the forced start of each output (see `generate`).

        Returns:
            A `keras_seq.decoding.DecodingResult`.
        """
        return layer(decoder_inputs=self.decoder_start(inputs, training=False), prefix=prefix)

    def _decode_prefixed(self, inputs, prefix, layer):
        return self.decode(inputs, layer, prefix)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Decodes with the model's `decoding` strategy, batch by batch, as `generate`.

        Args:
            x: inputs as `generate` takes them (an array), or a `tf.data.Dataset` or a
                generator of batches (`inputs` or `(inputs, targets)`).
            batch_size: int or None. Rows per `generate` call for array inputs.
                Defaults to `32`.
            verbose: `"auto"`, 0, 1 or 2. A progress bar over the batches (1). Defaults
                to `"auto"` (1).
            steps: int or None. Stop after this many batches. Defaults to `None`.
            callbacks: accepted for `keras.Model.predict` compatibility; unused.

        Returns:
            A NumPy int32 array of ids, the batches' `generate` outputs concatenated.
        """
        del callbacks  # decoding runs no Keras predict loop
        if hasattr(x, "shape") or isinstance(x, (list, tuple)):
            x = ops.convert_to_numpy(x)
            size = checks.check_positive_int("batch_size", batch_size or 32)
            batches = [x[start : start + size] for start in range(0, len(x), size)]
        else:
            batches = (batch[0] if isinstance(batch, (tuple, list)) else batch for batch in x)
        total = len(batches) if isinstance(batches, list) else steps
        progbar = keras.utils.Progbar(total, verbose=1 if verbose == "auto" else verbose)
        outputs = []
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            outputs.append(self.generate(ops.convert_to_numpy(batch)))
            progbar.update(index + 1)
        if not outputs:
            raise ValueError(f"`x` holds no batch to predict. Received: x={x!r:.80}")
        return np.concatenate(outputs, axis=0)

    def generate(
        self,
        inputs,
        decoding=None,
        max_length=None,
        return_scores=False,
        prefix=None,
        jit_compile=False,
    ):
        """Decodes target ids for a batch of inputs.

        Args:
            inputs: the model's inputs (source ids for `Seq2Seq`, labels or vectors for
                `OneToMany`), a non-empty batch.
            decoding: strategy for this call, overriding the model's `decoding`:
                `"greedy"`, `"beam"`, `"sample"`, a config dict or a
                `keras_seq.decoding` strategy. Defaults to `None`.
            max_length: int or None. Most tokens generated, end included. Defaults to
                the model's `max_length`.
            return_scores: bool. Also return the scores (summed token
                log-probabilities, length-penalised). Defaults to `False`.
            prefix: optional forced start of each output (autocompletion): a list of
                token ids for every row, a list of one such list per row (rows may
                differ in length), or an int array `(batch_size, prefix_length)`
                padded with -1. Each output begins with its prefix and the strategy
                continues from there; the prefix's log-probabilities count in the
                score. Defaults to `None`. For a soft bias towards a prefix, use
                `keras_seq.decoding.ForcedPrefix(prefix, bias=...)` in the strategy's
                `processors`.
            jit_compile: bool. On TensorFlow, compile the decoding loop with XLA
                (faster per call; each new batch size and source length bucket of 16
                tokens compiles once, which takes seconds). JAX always compiles, so it
                has no effect there. Defaults to `False`.

        Returns:
            A numpy int32 array of ids `(batch_size, max_length)` (end token included,
            then 0 padding), or `(batch_size, num_return, max_length)` for a strategy
            with `num_return > 1`; with `return_scores`, a tuple `(ids, scores)`, scores
            of shape `(batch_size,)` or `(batch_size, num_return)`.
        """
        strategy = self.decoding if decoding is None else decoding_lib.get(decoding)
        jit_compile = checks.check_bool("jit_compile", jit_compile)
        inputs = self._checked(inputs)
        self._ensure_built()
        if prefix is None:
            _, function = self._decoder_for(strategy, max_length, jit_compile=jit_compile)
            result = function(inputs)
        else:
            layer, function = self._decoder_for(
                strategy, max_length, prefixed=True, jit_compile=jit_compile
            )
            result = function(inputs, self._checked_prefix(prefix, inputs, layer.max_length))
        result = _squeeze(result, strategy)
        ids = ops.convert_to_numpy(result.ids)
        return (ids, ops.convert_to_numpy(result.scores)) if return_scores else ids

    def score(self, inputs, target_ids, length_penalty=0.0, batch_size=32):
        """Log-probabilities of given targets: teacher-forced sequence scores.

        Each target is read by the decoder as in training (`start + target`), and its
        score is the sum of the log-softmax probabilities of its tokens, up to and
        including its first end token (or up to its padding when it has none, as for
        a hypothesis cut at `max_length`); padding and anything after the end token
        are ignored. These are the scores `generate(..., return_scores=True)` reports
        for the same outputs, for strategies that do not reshape the distribution
        (`min_length` and a sampling `temperature` do). Use it to rescore an n-best
        list (see `keras_seq.decoding.rescore`). The forward pass is compiled at the
        first call, as `generate`'s decoding is: one `tf.function` for all shapes on
        TensorFlow; on JAX, one `jax.jit` per bucket of 16 source and target columns
        and power-of-two rows.

        Args:
            inputs: the model's inputs (source ids for `Seq2Seq`, labels or vectors
                for `OneToMany`), one row per target.
            target_ids: int array `(batch_size, length)`, right-padded with 0: what
                `generate` returns, or targets encoded with their end token
                (`tokenizer.encode(texts)`).
            length_penalty: float. `alpha` of the GNMT length penalty: scores are
                divided by `((5 + length) / 6) ** alpha`, `length` counting the scored
                tokens, end included, as `BeamSearch(length_penalty=alpha)` does.
                Defaults to `0.0` (no penalty).
            batch_size: int. Rows per forward pass. Defaults to `32`.

        Returns:
            float32 NumPy array `(batch_size,)`.

        Example:
        >>> import numpy as np, keras_seq
        >>> model = keras_seq.models.Seq2Seq(
        ...     keras_seq.layers.RNNEncoder(20, 8, 16), keras_seq.layers.RNNDecoder(20, 8, 16),
        ...     max_length=5)
        >>> source = np.array([[5, 6, 2], [7, 2, 0]])
        >>> ids, scores = model.generate(source, decoding="greedy", return_scores=True)
        >>> bool(np.allclose(model.score(source, ids), scores, atol=1e-5))
        True
        """
        inputs = self._checked(inputs)
        self._ensure_built()
        if self._scorer is None:

            def log_probs(inputs, decoder_inputs):
                logits = self((inputs, decoder_inputs), training=False)
                return ops.log_softmax(ops.cast(logits, "float32"), axis=-1)

            scorer = compiled_scoring(
                log_probs, self.variables, self.inputs_shape, self.inputs_dtype
            )
            object.__setattr__(self, "_scorer", scorer)
        return decoding_lib.rescoring.score_sequences(
            self._scorer,
            inputs,
            target_ids,
            start_id=self.start_id,
            end_id=self.end_id,
            vocab_size=self.decoder.vocab_size,
            length_penalty=length_penalty,
            batch_size=batch_size,
        )

    def _checked(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        checks.check_nonempty_batch("inputs", inputs)
        return self.check_inputs(inputs)

    def _checked_prefix(self, prefix, inputs, max_length):
        """`prefix` as an int32 `(batch_size, prefix_length)` table padded with -1,
        checked against the batch, the vocabulary and `max_length`."""
        _, table, shared = decoding_lib.processors.prefix_table(prefix)
        table = ops.convert_to_numpy(table)
        batch_size = int(ops.shape(inputs)[0])
        if shared:
            table = np.repeat(table, batch_size, axis=0)
        if table.shape[0] != batch_size:
            raise ValueError(
                f"Argument `prefix` must hold one prefix per input row ({batch_size}). "
                f"Received: {table.shape[0]} prefixes"
            )
        vocab_size = self.decoder.vocab_size
        bad = table[(table < -1) | (table >= vocab_size) | (table == 0)]
        if bad.size:
            raise ValueError(
                f"Argument `prefix` must hold token ids in [1, vocab_size) = [1, {vocab_size}) "
                f"(-1 pads a shorter prefix). Received: {int(bad[0])} in prefix"
            )
        longest = int((table >= 0).sum(axis=1).max())
        if longest >= max_length:
            raise ValueError(
                f"Argument `prefix` must be shorter than `max_length` ({max_length}), leaving "
                f"room for the end token. Received: a prefix of {longest} tokens"
            )
        return ops.convert_to_tensor(table, "int32")

    def _ensure_built(self):
        if not self.built:  # variables must exist before a decoding loop is traced
            self.build()

    def _decoder_for(self, strategy, max_length, prefixed=False, jit_compile=False):
        """`(layer, compiled function)` for a strategy and length, made once each;
        with `prefixed`, the function takes `(inputs, prefix)`."""
        layer = self.decoding_layer(strategy, max_length)
        key = (layer.strategy, layer.max_length, prefixed, jit_compile)
        if key not in self._decoders:
            # A partial, not a lambda: TensorFlow counts traces per code object, so the
            # one-trace functions of several (strategy, length) pairs made from one
            # lambda would add up to its "excessive retracing" warning.
            decode = self._decode_prefixed if prefixed else self.decode
            function = compiled(
                functools.partial(decode, layer=layer),
                layer.strategy,
                self.variables,
                self.inputs_shape,
                self.inputs_dtype,
                prefixed,
                jit_compile,
            )
            self._decoders[key] = (layer, function)
        return self._decoders[key]

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the teacher-forced forward pass (`serve(inputs, decoder_input_ids)`).

        Without an `input_signature`, the signature takes ids of any length as int32
        (Keras alone would type every input as float32, at the first call's lengths).
        For a SavedModel that decodes raw strings, see
        `keras_seq.export.export_text_model`. Arguments as in `keras.Model.export`.
        """
        if input_signature is None and format == "tf_saved_model":
            tf = _tf.require_tensorflow(f"{type(self).__name__}.export (a SavedModel)")

            input_signature = [
                (
                    tf.TensorSpec(self.inputs_shape, self.inputs_dtype),
                    tf.TensorSpec((None, None), tf.int32),
                )
            ]
        return super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def get_build_config(self):
        return {"built": self.built}

    def build_from_config(self, config):
        # Every dimension the weights depend on comes from the configs, not the shapes.
        if config.get("built"):
            self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "decoding": decoding_lib.serialize(self.decoding),
            "max_length": self.max_length,
            "start_id": self.start_id,
            "end_id": self.end_id,
            "label_smoothing": self.label_smoothing,
            "scheduled_sampling": keras.saving.serialize_keras_object(self.scheduled_sampling),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def check_rnn_decoder(decoder):
    """Subclasses check their decoder with this before they read its sizes."""
    if not isinstance(decoder, RNNDecoder):
        raise TypeError(
            "Argument `decoder` must be a keras_seq.layers.RNNDecoder. "
            f"Received: decoder={decoder!r}"
        )


def _squeeze(result, strategy):
    """Drops the hypotheses axis when the strategy returns one hypothesis per input."""
    if strategy.num_return > 1:
        return result
    return decoding_lib.DecodingResult(*(value[:, 0] for value in result))

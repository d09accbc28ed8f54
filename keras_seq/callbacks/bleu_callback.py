"""`BleuCallback`: corpus BLEU (and chrF) of a model's generated text at epoch ends."""

import keras

from keras_seq import checks
from keras_seq import decoding as decoding_lib
from keras_seq.metrics.bleu_functions import corpus_bleu
from keras_seq.metrics.chrf_functions import corpus_chrf

_BLEU_ARGUMENTS = (
    "max_order",
    "smooth",
    "smooth_value",
    "tokenize",
    "lowercase",
    "effective_order",
)


class BleuCallback(keras.callbacks.Callback):
    """Translates validation sources with the model and logs their corpus BLEU and chrF.

    At the end of every `every_n_epochs`-th epoch the callback translates `sources` in
    batches with a `keras_seq.TextGenerator` (encode with `source_tokenizer`, decode
    with the `decoding` strategy, detokenize with `target_tokenizer`; with a strategy
    that returns several hypotheses, the best one), scores the text against
    `references` with `keras_seq.metrics.corpus_bleu` (sacrebleu's BLEU on the 0-100
    scale) and writes the score to `logs[name]`. With `"chrf"` in `metrics` it also
    scores the same outputs with `keras_seq.metrics.corpus_chrf` (sacrebleu's chrF,
    `chrf_options` passed on) and writes `logs[chrf_name]`. A progress bar runs while
    decoding, and the score lines and `num_examples` source/output/reference triples
    are printed after.

    Epochs in between carry the latest score again (epochs before the first
    evaluation of a `fit` call carry none). This is deliberate: Keras's
    `ModelCheckpoint(save_best_only=True)` *saves* whenever its monitored value is
    missing, so an absent score would overwrite the best checkpoint with the current
    model; a repeated score is not an improvement, so nothing is saved. In turn
    `EarlyStopping`/`ReduceLROnPlateau` count `patience` in epochs, as documented by
    Keras, and `History.history[name]` has one value per epoch from the first
    evaluation on.

    Order in `callbacks=[...]`: Keras's `CallbackList` hands the same logs dict to
    each callback in list order (it appends `History` and `ProgbarLogger` last, so
    they always see the score). `ModelCheckpoint`, `EarlyStopping`,
    `ReduceLROnPlateau` and `TensorBoard` read the logs in their own `on_epoch_end`,
    so they see `logs["val_bleu"]` only if they come *after* this callback in the
    list; placed before it, they warn that the monitored value is missing.

    Args:
        sources: list of str. Raw source sentences.
        references: list. For each source, a reference string or a list of
            reference strings (raw, detokenized text).
        source_tokenizer: `keras_seq.data` tokenizer of the sources.
        target_tokenizer: `keras_seq.data` tokenizer of the outputs.
        decoding: strategy: `"greedy"`, `"beam"`, `"sample"`, a config dict or a
            `keras_seq.decoding` strategy. Defaults to `None`: the model's own.
        max_length: int or None. Most tokens generated. Defaults to `None`: the
            model's `max_length`.
        every_n_epochs: int. Score after epochs `n`, `2n`, ... Defaults to `1`.
        max_samples: int or None. Score only the first `max_samples` pairs. Defaults
            to `None` (all).
        batch_size: int. Sentences decoded at once. Defaults to `64`.
        num_examples: int. Source/output/reference triples printed after scoring.
            Defaults to `3`.
        name: str. The logs key of BLEU. Defaults to `"val_bleu"`.
        metrics: tuple of str. What to log: `"bleu"`, `"chrf"` or both; the first
            is the one `evaluate()` returns and `best` refers to. Defaults to
            `("bleu",)`.
        chrf_name: str. The logs key of chrF. Defaults to `"val_chrf"`.
        chrf_options: dict or None. `corpus_chrf` options: `char_order`,
            `word_order` (2 for chrF++), `beta`, `lowercase`, `whitespace`,
            `eps_smoothing`. Defaults to `None` (chrF2 with sacrebleu's defaults).
        verbose: int. 0 is silent, 1 shows the progress bar and the examples, 2 shows
            the examples and one progress line. Defaults to `1`.
        **bleu_kwargs: `corpus_bleu` options: `max_order`, `smooth`, `smooth_value`,
            `tokenize`, `lowercase`, `effective_order`.

    With `keras.callbacks.BackupAndRestore` in the same `fit` of a
    `keras_seq` model, the history and best score survive a restart: the callback's
    `get_state()` is saved beside the backup at every epoch end and given back to
    `set_state` when training resumes (see the guide "Training that survives").

    Attributes:
        last_score: the `keras_seq.metrics.BleuScore` (`ChrfScore` when `metrics`
            starts with `"chrf"`) of the latest evaluation, or `None` before the first.
        last_scores: dict. The latest score object of each metric, by logs key.
        history: dict. `{"epoch": [...], name: [...]}` (and `chrf_name: [...]`): the
            0-based epoch and scores of every evaluation of the current `fit` (of the
            run, once resumed).
        best: float or None. The highest score of the first metric in `history`.

    Example:

    >>> import numpy as np, keras_seq as ks
    >>> pairs = [("le chat dort", "the cat sleeps"), ("le chien dort", "the dog sleeps")]
    >>> src, tgt = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    >>> src.adapt([s for s, _ in pairs]); tgt.adapt([t for _, t in pairs])
    >>> model = ks.models.Seq2Seq(ks.layers.RNNEncoder(src.vocabulary_size, 8, 16),
    ...                           ks.layers.RNNDecoder(tgt.vocabulary_size, 8, 16),
    ...                           max_length=5)
    >>> model.compile(optimizer="adam")
    >>> callback = ks.callbacks.BleuCallback(
    ...     [s for s, _ in pairs], [t for _, t in pairs], source_tokenizer=src,
    ...     target_tokenizer=tgt, decoding="greedy", verbose=0,
    ...     metrics=("bleu", "chrf"), chrf_options={"word_order": 2})
    >>> train = ks.data.seq2seq_dataset(pairs, src, tgt, batch_size=2)
    >>> history = model.fit(train, epochs=2, callbacks=[callback], verbose=0)
    >>> len(history.history["val_bleu"]), 0.0 <= history.history["val_bleu"][-1] <= 100.0
    (2, True)
    >>> len(history.history["val_chrf"]), callback.last_scores["val_chrf"].name
    (2, 'chrF2++')

    References:
        - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        - [Popović, 2015 (chrF)](https://aclanthology.org/W15-3049/)
        - [Post, 2018 (sacrebleu)](https://aclanthology.org/W18-6319/)
    """

    def __init__(
        self,
        sources,
        references,
        *,
        source_tokenizer,
        target_tokenizer,
        decoding=None,
        max_length=None,
        every_n_epochs=1,
        max_samples=None,
        batch_size=64,
        num_examples=3,
        name="val_bleu",
        verbose=1,
        metrics=("bleu",),
        chrf_name="val_chrf",
        chrf_options=None,
        **bleu_kwargs,
    ):
        super().__init__()
        if isinstance(sources, str) or not isinstance(sources, (list, tuple)):
            raise TypeError(f"`sources` must be a list of str. Received: sources={sources!r:.80}")
        if not sources:
            raise ValueError("`sources` must not be empty. Received: sources=[]")
        for i, source in enumerate(sources):
            if not isinstance(source, str):
                raise TypeError(
                    f"`sources` must be a list of str. Received: sources[{i}]={source!r:.80}"
                )
        if isinstance(references, str) or not isinstance(references, (list, tuple)):
            raise TypeError(
                "`references` must be a list with a string or a list of strings per "
                f"source. Received: references={references!r:.80}"
            )
        if len(references) != len(sources):
            raise ValueError(
                "`sources` and `references` must have the same length. Received: "
                f"{len(sources)} sources and {len(references)} references"
            )
        unknown = sorted(set(bleu_kwargs) - set(_BLEU_ARGUMENTS))
        if unknown:
            raise TypeError(
                f"Unknown keyword arguments {unknown}; the BLEU options are "
                f"{list(_BLEU_ARGUMENTS)}."
            )
        if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"`metrics` must be a tuple of 'bleu' and/or 'chrf'. Received: metrics={metrics!r}"
            )
        if not metrics or len(set(metrics)) != len(metrics):
            raise ValueError(
                "`metrics` must name 'bleu' and/or 'chrf', each once. "
                f"Received: metrics={metrics!r}"
            )
        for metric in metrics:
            checks.check_choice("metrics", metric, ("bleu", "chrf"))
        chrf_options = {} if chrf_options is None else chrf_options
        if not isinstance(chrf_options, dict):
            raise TypeError(
                f"`chrf_options` must be a dict or None. Received: chrf_options={chrf_options!r}"
            )
        # Checks the references' types and the metric options now, before any training.
        corpus_bleu([""] * len(references), list(references), **bleu_kwargs)
        corpus_chrf([""] * len(references), list(references), **chrf_options)
        for argument, tokenizer in (
            ("source_tokenizer", source_tokenizer),
            ("target_tokenizer", target_tokenizer),
        ):
            if not all(callable(getattr(tokenizer, m, None)) for m in ("encode", "decode")):
                raise TypeError(
                    f"Argument `{argument}` must be a keras_seq.data tokenizer. "
                    f"Received: {argument}={tokenizer!r:.80}"
                )
        self.decoding = None if decoding is None else decoding_lib.get(decoding)
        self.max_length = checks.check_int("max_length", max_length, minimum=1, allow_none=True)
        checks.check_positive_int("every_n_epochs", every_n_epochs)
        checks.check_positive_int("batch_size", batch_size)
        checks.check_int("max_samples", max_samples, minimum=1, allow_none=True)
        checks.check_int("num_examples", num_examples, minimum=0)
        for argument, value in (("name", name), ("chrf_name", chrf_name)):
            if not isinstance(value, str) or not value:
                raise ValueError(
                    f"`{argument}` must be a non-empty str. Received: {argument}={value!r}"
                )
        if name == chrf_name:
            raise ValueError(
                f"`name` and `chrf_name` must differ. Received: name={name!r}, "
                f"chrf_name={chrf_name!r}"
            )
        if verbose not in (0, 1, 2):
            raise ValueError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
        self.sources = list(sources)
        self.references = list(references)
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.every_n_epochs = every_n_epochs
        self.max_samples = max_samples
        self.batch_size = batch_size
        self.num_examples = num_examples
        self.name = name
        self.verbose = verbose
        self.metrics = tuple(metrics)
        self.chrf_name = chrf_name
        self.bleu_kwargs = dict(bleu_kwargs)
        self.chrf_options = dict(chrf_options)
        self.last_score = None
        self.last_scores = {}
        self._generator = None
        self.history = self._empty_history()

    @property
    def _keys(self):
        """The logs key of each metric, in `metrics` order."""
        return [self.name if metric == "bleu" else self.chrf_name for metric in self.metrics]

    def _empty_history(self):
        return {"epoch": [], **{key: [] for key in self._keys}}

    @property
    def best(self):
        return max(self.history[self._keys[0]], default=None)

    def on_train_begin(self, logs=None):
        self.history = self._empty_history()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.evaluate()
            self.history["epoch"].append(epoch)
            for key in self._keys:
                self.history[key].append(self.last_scores[key].score)
        if logs is not None and self.history["epoch"]:
            for key in self._keys:
                logs[key] = self.history[key][-1]

    def get_state(self):
        """The callback's training state as JSON-ready data: its `history`."""
        return {"history": {key: list(values) for key, values in self.history.items()}}

    def set_state(self, state, initial_epoch=None):
        """Restores a `get_state()`, keeping the evaluations before `initial_epoch`
        (all with `None`): a resumed run evaluates the later epochs again."""
        history = state["history"]
        kept = [
            i
            for i, epoch in enumerate(history["epoch"])
            if initial_epoch is None or epoch < initial_epoch
        ]
        self.history = {key: [history[key][i] for i in kept] for key in ("epoch", *self._keys)}

    def evaluate(self):
        """Generates for the (first `max_samples`) sources and scores the outputs.

        `on_epoch_end` calls it; it can also be called directly once a model is set.

        Returns:
            The score of the first of `metrics` (a `keras_seq.metrics.BleuScore` or
            `ChrfScore`), also kept in `last_score`; all of them are in `last_scores`.

        References:
            - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        """
        if self.model is None:
            raise RuntimeError("BleuCallback.evaluate() needs a model; pass it to `fit` first.")
        sources = self.sources[: self.max_samples]
        references = self.references[: len(sources)]
        if self.verbose == 1:
            print()  # Keras's epoch progress bar is still open on the current line.
        progbar = keras.utils.Progbar(len(sources), verbose=self.verbose, unit_name="sentence")
        hypotheses = []
        for start in range(0, len(sources), self.batch_size):
            batch = sources[start : start + self.batch_size]
            hypotheses.extend(self.translate(batch))
            progbar.update(start + len(batch))
        for metric, key in zip(self.metrics, self._keys, strict=True):
            if metric == "bleu":
                score = corpus_bleu(hypotheses, references, **self.bleu_kwargs)
            else:
                score = corpus_chrf(hypotheses, references, **self.chrf_options)
            self.last_scores[key] = score
            if self.verbose:
                print(f"{key}: {score}")
        self.last_score = self.last_scores[self._keys[0]]
        if self.verbose:
            for source, hypothesis, reference in list(
                zip(sources, hypotheses, references, strict=True)
            )[: self.num_examples]:
                if not isinstance(reference, str):
                    reference = " | ".join(reference)
                print(f"  source:    {source}\n  output:    {hypothesis}\n  reference: {reference}")
        return self.last_score

    def translate(self, sources):
        """The model's output for each source string (the best one for an n-best
        strategy), as Python strings. Override it to score another system."""
        from keras_seq.text_generator import TextGenerator  # needs TensorFlow

        generator = self._generator
        if generator is None or generator.model is not self.model:
            generator = self._generator = TextGenerator(
                self.model,
                self.target_tokenizer,
                self.source_tokenizer,
                decoding=self.decoding,
                max_length=self.max_length,
            )
        texts, _ = generator(sources)
        return texts if generator.num_return == 1 else [best for best, *_ in texts]

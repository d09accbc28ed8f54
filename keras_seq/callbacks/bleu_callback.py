"""`BleuCallback`: corpus BLEU of a model's generated text at the end of epochs."""

import keras
import numpy as np

from keras_seq.metrics.bleu_functions import corpus_bleu

_BLEU_ARGUMENTS = (
    "max_order",
    "smooth",
    "smooth_value",
    "tokenize",
    "lowercase",
    "effective_order",
)


class BleuCallback(keras.callbacks.Callback):
    """Decodes validation sources with `model.generate` and logs their corpus BLEU.

    At the end of every `every_n_epochs`-th epoch the callback encodes `sources` in
    batches with `source_tokenizer.encode`, generates with
    `model.generate(ids, method=method, beam_width=beam_width)` (a
    `(batch_size, beams, length)` result is reduced to its first, best beam),
    detokenizes with `target_tokenizer.decode`, scores the text against `references`
    with `keras_seq.metrics.corpus_bleu` (sacrebleu's BLEU on the 0-100 scale) and
    writes the score to `logs[name]`. A progress bar runs while decoding, and the
    score line and `num_examples` source/output/reference triples are printed after.

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
        source_tokenizer: object. Its `encode(list_of_str)` returns padded source ids.
        target_tokenizer: object. Its `decode(ids)` returns a list, array or string
            tensor of str or UTF-8 bytes, one per row of `ids`.
        method: str. Passed to `model.generate`, e.g. `"beam"` or `"greedy"`.
            Defaults to `"beam"`.
        beam_width: int. Passed to `model.generate`. Defaults to `4`.
        every_n_epochs: int. Score after epochs `n`, `2n`, ... Defaults to `1`.
        max_samples: int or None. Score only the first `max_samples` pairs. Defaults
            to `None` (all).
        batch_size: int. Sentences per `generate` call. Defaults to `64`.
        num_examples: int. Source/output/reference triples printed after scoring.
            Defaults to `3`.
        name: str. The logs key. Defaults to `"val_bleu"`.
        verbose: int. 0 is silent, 1 shows the progress bar and the examples, 2 shows
            the examples and one progress line. Defaults to `1`.
        **bleu_kwargs: `corpus_bleu` options: `max_order`, `smooth`, `smooth_value`,
            `tokenize`, `lowercase`, `effective_order`.

    Attributes:
        last_score: the `keras_seq.metrics.BleuScore` of the latest evaluation, or
            `None` before the first.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_seq.callbacks import BleuCallback
    >>> class Words:  # a stand-in tokenizer: one id per word
    ...     vocabulary = ["", "le", "chat", "dort", "bien", "the", "cat", "sleeps", "well"]
    ...     def encode(self, texts):
    ...         return np.array([[self.vocabulary.index(w) for w in t.split()] for t in texts])
    ...     def decode(self, ids):
    ...         return [" ".join(self.vocabulary[i] for i in row if i) for row in ids]
    >>> class Copy(keras.Model):  # a stand-in model: "translates" word i to word i + 4
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.dense = keras.layers.Dense(1)
    ...     def call(self, x):
    ...         return self.dense(x)
    ...     def generate(self, ids, method="beam", beam_width=4):
    ...         return np.asarray(ids) + 4
    >>> model = Copy()
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> callback = BleuCallback(["le chat dort bien"], ["the cat sleeps well"],
    ...                         source_tokenizer=Words(), target_tokenizer=Words(), verbose=0)
    >>> history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2,
    ...                     callbacks=[callback], verbose=0)
    >>> [round(s, 2) for s in history.history["val_bleu"]]
    [100.0, 100.0]

    References:
        - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        - [Post, 2018 (sacrebleu)](https://aclanthology.org/W18-6319/)
    """

    def __init__(
        self,
        sources,
        references,
        *,
        source_tokenizer,
        target_tokenizer,
        method="beam",
        beam_width=4,
        every_n_epochs=1,
        max_samples=None,
        batch_size=64,
        num_examples=3,
        name="val_bleu",
        verbose=1,
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
        # Checks the references' types and the BLEU options now, before any training.
        corpus_bleu([""] * len(references), list(references), **bleu_kwargs)
        if not callable(getattr(source_tokenizer, "encode", None)):
            raise TypeError(
                "`source_tokenizer` must have an `encode(list_of_str)` method. "
                f"Received: source_tokenizer={source_tokenizer!r:.80}"
            )
        if not callable(getattr(target_tokenizer, "decode", None)):
            raise TypeError(
                "`target_tokenizer` must have a `decode(ids)` method. "
                f"Received: target_tokenizer={target_tokenizer!r:.80}"
            )
        _check_positive_int(beam_width, "beam_width")
        _check_positive_int(every_n_epochs, "every_n_epochs")
        _check_positive_int(batch_size, "batch_size")
        if max_samples is not None:
            _check_positive_int(max_samples, "max_samples")
        if isinstance(num_examples, bool) or not isinstance(num_examples, int) or num_examples < 0:
            raise ValueError(
                f"`num_examples` must be an int >= 0. Received: num_examples={num_examples!r}"
            )
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty str. Received: name={name!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
        self.sources = list(sources)
        self.references = list(references)
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.method = method
        self.beam_width = beam_width
        self.every_n_epochs = every_n_epochs
        self.max_samples = max_samples
        self.batch_size = batch_size
        self.num_examples = num_examples
        self.name = name
        self.verbose = verbose
        self.bleu_kwargs = dict(bleu_kwargs)
        self.last_score = None
        self._latest = None

    def on_train_begin(self, logs=None):
        self._latest = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self._latest = self.evaluate().score
        if logs is not None and self._latest is not None:
            logs[self.name] = self._latest

    def evaluate(self):
        """Generates for the (first `max_samples`) sources and scores the outputs.

        `on_epoch_end` calls it; it can also be called directly once a model is set.

        Returns:
            The `keras_seq.metrics.BleuScore`, also kept in `last_score`.

        Example:

        >>> import types
        >>> import numpy as np
        >>> from keras_seq.callbacks import BleuCallback
        >>> words = ["", "hello", "world"]
        >>> tokenizer = types.SimpleNamespace(
        ...     encode=lambda texts: np.array([[words.index(w) for w in t.split()] for t in texts]),
        ...     decode=lambda ids: [" ".join(words[i] for i in row if i) for row in ids],
        ... )
        >>> callback = BleuCallback(["hello world"], ["hello world"], max_order=2, verbose=0,
        ...                         source_tokenizer=tokenizer, target_tokenizer=tokenizer)
        >>> callback.set_model(types.SimpleNamespace(generate=lambda ids, **kwargs: ids))
        >>> callback.evaluate().counts
        (2, 1)

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
            hypotheses.extend(self._translate(batch))
            progbar.update(start + len(batch))
        score = corpus_bleu(hypotheses, references, **self.bleu_kwargs)
        self.last_score = score
        if self.verbose:
            print(f"{self.name}: {score}")
            for source, hypothesis, reference in list(
                zip(sources, hypotheses, references, strict=True)
            )[: self.num_examples]:
                if not isinstance(reference, str):
                    reference = " | ".join(reference)
                print(f"  source:    {source}\n  output:    {hypothesis}\n  reference: {reference}")
        return score

    def _translate(self, batch):
        ids = self.source_tokenizer.encode(batch)
        generated = self.model.generate(ids, method=self.method, beam_width=self.beam_width)
        generated = np.asarray(keras.ops.convert_to_numpy(generated))
        if generated.ndim == 3:
            generated = generated[:, 0]  # Beams come back best first.
        if generated.ndim != 2 or generated.shape[0] != len(batch):
            raise ValueError(
                "`model.generate` must return ids of shape (batch_size, length) or "
                f"(batch_size, beams, length) with batch_size={len(batch)}. "
                f"Received: shape={generated.shape}"
            )
        return _to_strings(self.target_tokenizer.decode(generated), len(batch))


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be an int >= 1. Received: {name}={value!r}")


def _to_strings(texts, expected):
    """Turns a decode result (list, numpy array or string tensor) into a list of str."""
    if hasattr(texts, "numpy"):
        texts = texts.numpy()
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()
    if isinstance(texts, (str, bytes)):
        texts = [texts]
    texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in texts]
    if len(texts) != expected or not all(isinstance(t, str) for t in texts):
        raise ValueError(
            f"`target_tokenizer.decode` must return {expected} strings for {expected} rows "
            f"of ids. Received: {texts!r:.200}"
        )
    return texts

"""Where a training step's time goes, for `Seq2Seq` and the reference of `train.py`.

Usage: PYTHONPATH=. python benchmarks/train_phases.py [--phase-layers 1]
    [--with-attention] [--with-jit] [--rounds 7] [--quick] (and `train.py`'s size
    options)

Both contenders of `benchmarks/train.py` (same sizes, data, RMSprop and accuracy
metric) live in one process. For each, four nested computations over one batch, each
a `tf.function` (XLA with `--with-jit`), are timed in turns, every round running each
phase of both contenders once:

- forward: the logits, `model(x, training=True)`;
- + loss: the model's own `compute_loss` on them (keras-seq: its masked
  cross-entropy; the reference: `SparseCategoricalCrossentropy(from_logits=True)`
  weighted by the mask);
- + gradients: `GradientTape.gradient` of that loss for every trainable variable;
- train step: Keras's `train_step` (the same, plus the optimizer and the metrics), as
  `fit` runs it.

The differences between successive phases give the loss, the backward pass, and the
optimizer with the metrics. Medians over `--rounds` rounds, in ms per step.
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import train  # noqa: E402  (benchmarks/train.py: the contenders and their data)

PHASES = ("forward", "+ loss", "+ gradients", "train step")


def parse_args():
    parser = train.argument_parser()
    parser.add_argument("--phase-layers", type=int, default=1, help="layers of both models")
    parser.add_argument("--with-attention", action="store_true")
    parser.add_argument("--with-jit", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    return train.finish_arguments(parser.parse_args())


def contenders(args):
    """`{name: (model, (x, y, sample_weight))}` for one batch, models compiled as in
    `train.py`."""
    import keras
    import numpy as np

    from keras_seq.models.teacher_forcing import teacher_forced_batch

    keras.utils.set_random_seed(args.seed)
    source, target = train.data(args, args.batch_size)
    built = {}
    for name in train.CONTENDERS:
        if name == "keras-seq":
            model = train.keras_seq_model(args, args.phase_layers, args.with_attention)
            loss = None
            batch = teacher_forced_batch(source, target, train.START_ID, train.END_ID)
        else:
            model = train.reference_model(args, args.phase_layers, args.with_attention)
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            (_, decoder_inputs), labels, mask = teacher_forced_batch(
                source, target, train.START_ID, train.END_ID
            )
            batch = ([source, decoder_inputs], labels, mask)
        model.compile(
            optimizer=keras.optimizers.RMSprop(1e-3),
            loss=loss,
            metrics=["accuracy"],
            jit_compile=args.with_jit,
        )
        x, y, sample_weight = batch
        x = [np.asarray(part) for part in x]
        built[name] = (model, (x, np.asarray(y), np.asarray(sample_weight)))
    return built


def phase_functions(model, batch, jit):
    import tensorflow as tf

    x, y, sample_weight = batch
    x = tuple(tf.constant(part) for part in x)
    y, sample_weight = tf.constant(y), tf.constant(sample_weight)
    model(x)  # builds the weights (a subclassed model has none before its first call)
    variables = model.trainable_variables

    def forward():
        return model(x, training=True)

    def loss():
        return model.compute_loss(x, y, forward(), sample_weight, training=True)

    def gradients():
        with tf.GradientTape() as tape:
            value = loss()
        return tape.gradient(value, variables)

    def step():
        return model.train_step((x, y, sample_weight))

    return [tf.function(f, jit_compile=jit) for f in (forward, loss, gradients, step)]


def finished(outputs):
    """Waits for every output (gradients of embeddings are `IndexedSlices`)."""
    import tensorflow as tf

    for tensor in tf.nest.flatten(outputs, expand_composites=True):
        tensor.numpy()


def main():
    args = parse_args()
    functions = {
        name: phase_functions(model, batch, args.with_jit)
        for name, (model, batch) in contenders(args).items()
    }
    for model_functions in functions.values():
        for function in model_functions:
            finished(function())  # traces
    times = {(name, phase): [] for name in functions for phase in PHASES}
    for _ in range(args.rounds):
        for index, phase in enumerate(PHASES):
            for name, model_functions in functions.items():
                start = time.perf_counter()
                finished(model_functions[index]())
                times[(name, phase)].append(time.perf_counter() - start)
    medians = {key: 1000 * statistics.median(values) for key, values in times.items()}
    print(
        f"batch {args.batch_size}, sources {args.source_length}, targets "
        f"{args.target_length} + end, vocab {args.vocab_size}, embeddings "
        f"{args.embedding_dim}, LSTM {args.units} x {args.phase_layers}, attention "
        f"{'on' if args.with_attention else 'off'}, XLA {'on' if args.with_jit else 'off'}; "
        f"median of {args.rounds} rounds, ms per step"
    )
    names = list(functions)
    print(f"{'phase':14s}" + "".join(f"{name:>12s}" for name in names))
    for phase in PHASES:
        print(f"{phase:14s}" + "".join(f"{medians[(name, phase)]:12.1f}" for name in names))
    print("differences:")
    labels = ("loss", "backward", "optimizer+metrics")
    for label, (before, after) in zip(labels, zip(PHASES, PHASES[1:])):
        row = [medians[(name, after)] - medians[(name, before)] for name in names]
        print(f"{label:18s}" + "".join(f"{value:8.1f}" for value in row))


if __name__ == "__main__":
    main()

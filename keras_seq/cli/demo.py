"""`keras-seq demo`: the date-normalisation demo, end to end, on CPU in a few minutes."""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="train, evaluate, export and serve a date normaliser (no download)",
        description="Trains a Seq2Seq with attention on generated human-written dates, "
        "compares greedy and beam search, exports a string-to-string SavedModel, serves it, "
        "and plots attention.",
    )
    parser.add_argument(
        "--output",
        default="keras-seq-demo",
        help="folder for the model, the SavedModel and the heat map",
    )
    parser.add_argument(
        "--text",
        action="append",
        default=[],
        help="a date to normalise with the exported model (repeatable)",
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument(
        "--examples",
        type=int,
        default=20000,
        help="generated dates (80%% train, 10%% validation, 10%% test)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--quick", action="store_true", help="a seconds-long smoke run: 2,000 dates, 1 epoch"
    )
    parser.set_defaults(func=run)


def run(args):
    if args.quick:
        print(
            "keras-seq demo --quick: a smoke run (2,000 dates, 1 epoch) that checks every "
            "step works; the model is not expected to learn, so its accuracy and outputs "
            "mean nothing. Run `keras-seq demo` for a trained model.",
            flush=True,
        )
    from keras_seq.cli._tensorflow import import_tensorflow

    import_tensorflow()
    from keras_seq import demo

    epochs, examples = (1, 2000) if args.quick else (args.epochs, args.examples)
    demo.run(
        output=args.output,
        epochs=epochs,
        num_examples=examples,
        batch_size=args.batch_size,
        texts=args.text,
    )

"""`keras-seq translate MODEL_DIR TEXT...`: serve an exported text model from the shell."""

import os

# The files that make a folder a SavedModel, as `tf.saved_model.contains_saved_model` checks.
SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
EXPECTED = "a SavedModel written by keras_seq.export.export_text_model"


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "translate",
        help="run texts through a SavedModel written by export_text_model",
        description="Runs texts through the `serving_default` signature (which takes "
        "`texts`) of a SavedModel written by keras_seq.export.export_text_model, and "
        "prints each text with the signature's outputs.",
    )
    parser.add_argument("model_dir", help="the exported SavedModel folder")
    parser.add_argument("texts", nargs="+", help="texts to translate (or classify, or tag)")
    parser.set_defaults(func=run)


def run(args):
    folder = args.model_dir
    if not os.path.isdir(folder):
        raise SystemExit(f"keras-seq translate: no SavedModel folder at {folder!r}")
    if not any(os.path.isfile(os.path.join(folder, name)) for name in SAVED_MODEL_FILES):
        raise SystemExit(
            f"keras-seq translate: {folder!r} holds no SavedModel (no saved_model.pb); "
            f"expected {EXPECTED}"
        )
    from keras_seq.cli._tensorflow import import_tensorflow

    tf = import_tensorflow()
    serve = tf.saved_model.load(folder).signatures.get("serving_default")
    if serve is None or "texts" not in serve.structured_input_signature[1]:
        raise SystemExit(
            f"keras-seq translate: the SavedModel at {folder!r} has no `serving_default` "
            f"signature taking `texts`; expected {EXPECTED}"
        )
    result = serve(texts=tf.constant(args.texts))
    names = sorted(result)
    for index, text in enumerate(args.texts):
        values = "  ".join(f"{name}={_show(result[name][index].numpy())}" for name in names)
        print(f"{text}\t{values}")


def _show(value):
    if isinstance(value, bytes):
        return repr(value.decode("utf-8"))
    if getattr(value, "ndim", 0):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return f"{value:.4g}" if isinstance(value, float) or hasattr(value, "dtype") else str(value)

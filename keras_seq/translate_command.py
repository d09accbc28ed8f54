"""`keras-seq translate MODEL_DIR TEXT...`: serve an exported text model from the shell."""

import os


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "translate",
        help="run texts through a SavedModel written by export_text_model",
    )
    parser.add_argument("model_dir", help="the exported SavedModel folder")
    parser.add_argument("texts", nargs="+", help="texts to translate (or classify, or tag)")
    parser.set_defaults(func=run)


def run(args):
    if not os.path.isdir(args.model_dir):
        raise SystemExit(f"keras-seq translate: no SavedModel folder at {args.model_dir!r}")
    import tensorflow as tf

    serve = tf.saved_model.load(args.model_dir).signatures["serving_default"]
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

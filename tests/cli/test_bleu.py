"""`keras-seq bleu HYP_FILE REF_FILE...` against sacrebleu."""

import gzip
import io
import json

import pytest
import sacrebleu

from keras_seq import cli
from keras_seq.cli import bleu
from keras_seq.metrics import _tokenizers
from keras_seq.metrics._scoring import SMOOTH_DEFAULTS
from keras_seq.version import __version__
from tests.cli._command import imported_modules, keras_seq_command
from tests.metrics._data import multi_reference_corpus

HYPOTHESES = ["The cat is on the mat.", "It wasn't difficult at all!", "Va-t'en, vite."]
REFERENCES_1 = ["The cat sat on the mat.", "It was not difficult.", "Va-t'en vite !"]
REFERENCES_2 = ["There is a cat on the mat.", "That wasn't hard at all!", "Pars vite."]


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def run(argv, capsys):
    code = cli.main(["bleu", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_score_line_matches_sacrebleu(tmp_path, capsys):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    code, out, _ = run([hyp, ref], capsys)
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES_1])
    assert code == 0
    assert out.startswith(
        f"BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{__version__} = "
        f"{expected.score:.2f} "
    )
    assert f"hyp_len = {expected.sys_len} ref_len = {expected.ref_len})" in out


def test_json_on_real_text_with_two_reference_files_and_options(tmp_path, capsys):
    hypotheses, references = multi_reference_corpus("fra", size=300, seed=11)
    pairs = [(h, refs) for h, refs in zip(hypotheses, references, strict=True) if len(refs) >= 2]
    hypotheses = [h for h, _ in pairs]
    first, second = [refs[0] for _, refs in pairs], [refs[1] for _, refs in pairs]
    hyp = write(tmp_path / "hyp.txt", hypotheses)
    ref1 = write(tmp_path / "ref1.txt", first)
    with gzip.open(tmp_path / "ref2.txt.gz", "wt", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in second))
    argv = [hyp, ref1, str(tmp_path / "ref2.txt.gz"), "--json", "--tokenize", "intl", "-lc"]
    code, out, _ = run(argv + ["--smooth", "floor", "--max-order", "3"], capsys)
    assert code == 0
    result = json.loads(out)
    metric = sacrebleu.metrics.BLEU(
        tokenize="intl", lowercase=True, smooth_method="floor", max_ngram_order=3
    )
    expected = metric.corpus_score(hypotheses, [first, second])
    assert result["name"] == "BLEU"
    assert result["score"] == pytest.approx(expected.score, abs=1e-9)
    assert result["counts"] == expected.counts and result["ref_len"] == expected.ref_len
    assert result["signature"].startswith("nrefs:2|case:lc|eff:no|tok:intl|smooth:floor[0.10]|")


def test_hypotheses_from_standard_input(tmp_path, capsys, monkeypatch):
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(h + "\n" for h in HYPOTHESES)))
    code, out, _ = run(["-", ref, "--json"], capsys)
    assert code == 0
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES_1])
    assert json.loads(out)["score"] == pytest.approx(expected.score, abs=1e-9)


def test_different_line_counts_exit_with_2(tmp_path, capsys):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref1 = write(tmp_path / "ref1.txt", REFERENCES_1)
    ref2 = write(tmp_path / "ref2.txt", REFERENCES_2[:2])
    code, out, err = run([hyp, ref1, ref2], capsys)
    assert code == 2 and out == ""
    assert "has 3 lines but" in err and "ref2.txt has 2" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["missing.txt"], "No such file"),
        (["--smooth-value", "0.5"], "smooth_value=0.5"),
        (["--max-order", "0"], "max_order=0"),
    ],
)
def test_bad_input_exits_with_2(tmp_path, capsys, argv, message):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    if argv[0] == "missing.txt":
        argv = [hyp, str(tmp_path / "missing.txt")]
    else:
        argv = [hyp, ref, *argv]
    code, _, err = run(argv, capsys)
    assert code == 2 and message in err and err.startswith("keras-seq bleu: error:")


def test_empty_files_exit_with_2(tmp_path, capsys):
    hyp = write(tmp_path / "hyp.txt", [])
    ref = write(tmp_path / "ref.txt", [])
    code, _, err = run([hyp, ref], capsys)
    assert code == 2 and "hypotheses" in err


def test_unknown_tokenizer_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["bleu", "h", "r", "--tokenize", "zh"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_choices_equal_the_library_names():
    assert set(bleu.TOKENIZE_CHOICES) == set(_tokenizers.TOKENIZERS)
    assert set(bleu.SMOOTH_CHOICES) == set(SMOOTH_DEFAULTS)


def test_command_scores_without_importing_tensorflow(tmp_path):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    result = keras_seq_command("bleu", hyp, ref, "--json", python_options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES_1])
    assert json.loads(result.stdout)["score"] == pytest.approx(expected.score, abs=1e-9)
    modules = imported_modules(result.stderr)
    assert "keras_seq.metrics.bleu_functions" in modules
    assert not {"tensorflow", "keras", "keras_seq.metrics.bleu"} & modules

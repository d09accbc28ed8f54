"""`keras-seq bleu HYP_FILE REF_FILE...` against sacrebleu."""

import gzip
import io
import json
import random

import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

from keras_seq import cli
from keras_seq.cli import bleu
from keras_seq.metrics import _tokenizers, significance
from keras_seq.metrics._scoring import SMOOTH_DEFAULTS
from keras_seq.version import __version__
from tests.cli._command import imported_modules, keras_seq_command
from tests.metrics._data import multi_reference_corpus, perturb

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
    assert set(bleu.METRIC_CHOICES) == set(significance._STATISTICS)


def two_systems(tmp_path, size=250):
    """Files of a baseline, a system that differs on a few lines, and two references."""
    hypotheses, references = multi_reference_corpus("fra", size=size, seed=12)
    rng = random.Random(8)
    system = [perturb(h, rng) if rng.random() < 0.1 else h for h in hypotheses]
    first = [refs[0] for refs in references]
    second = [refs[-1] for refs in references]
    paths = [
        write(tmp_path / name, lines)
        for name, lines in (
            ("baseline.txt", hypotheses),
            ("system.txt", system),
            ("ref1.txt", first),
            ("ref2.txt", second),
        )
    ]
    return paths, (hypotheses, system, [first, second])


CHRF_ARGS = ["--chrf-word-order", "2", "--chrf-lowercase", "-cc", "5"]
CHRF_OPTIONS = {"word_order": 2, "lowercase": True, "char_order": 5}


def test_bleu_and_chrf_lines_match_sacrebleu(tmp_path, capsys):
    (baseline, _, ref1, ref2), (hypotheses, _, streams) = two_systems(tmp_path)
    code, out, _ = run([baseline, ref1, ref2, "--metrics", "bleu", "chrf", *CHRF_ARGS], capsys)
    assert code == 0
    bleu_line, chrf_line = out.splitlines()
    assert bleu_line.startswith("BLEU|nrefs:2|")
    expected = CHRF(**CHRF_OPTIONS).corpus_score(hypotheses, streams)
    assert chrf_line == (
        f"chrF2++|nrefs:2|case:lc|eff:yes|nc:5|nw:2|space:no|version:{__version__} = "
        f"{expected.score:.2f}"
    )
    code, out, _ = run([baseline, ref1, ref2, "-m", "chrf", "--json", *CHRF_ARGS], capsys)
    result = json.loads(out)
    assert result["name"] == "chrF2++" and result["score"] == expected.score


def test_confidence_matches_sacrebleu(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "99")
    (baseline, _, ref1, ref2), (hypotheses, _, streams) = two_systems(tmp_path)
    argv = [baseline, ref1, ref2, "-m", "bleu", "chrf", "--confidence", "--seed", "99"]
    code, out, _ = run(argv + ["--json"], capsys)
    assert code == 0
    for line, metric in zip(out.splitlines(), (BLEU(), CHRF()), strict=True):
        result = json.loads(line)
        expected = metric.corpus_score(hypotheses, streams, n_bootstrap=1000)
        assert result["score"]["score"] == pytest.approx(expected.score, abs=1e-9)
        assert result["mean"] == pytest.approx(expected._mean, abs=1e-4)
        assert result["ci"] == pytest.approx(expected._ci, abs=1e-4)
        assert result["n_samples"] == 1000 and result["seed"] == 99
    code, out, _ = run(argv + ["--confidence-n", "200"], capsys)
    assert code == 0
    bleu_line, chrf_line = out.splitlines()
    assert bleu_line.startswith("BLEU|nrefs:2|bs:200|seed:99|case:mixed|")
    assert " (μ = " in bleu_line and "(BP = " in bleu_line
    assert chrf_line.startswith("chrF2|nrefs:2|bs:200|seed:99|") and " ± " in chrf_line


def test_paired_bs_matches_sacrebleu(tmp_path, capsys):
    (baseline, system, ref1, ref2), (hypotheses, other, streams) = two_systems(tmp_path)
    argv = [baseline, ref1, ref2, "--paired-bs", system, "-m", "bleu", "chrf", *CHRF_ARGS]
    code, out, _ = run(argv + ["--json"], capsys)
    assert code == 0
    _, scores = PairedTest(
        [("baseline", hypotheses), ("system", other)],
        {"BLEU": BLEU(), "chrF": CHRF(**CHRF_OPTIONS)},
        references=streams,
        test_type="bs",
        n_samples=1000,
    )()
    for line, name in zip(out.splitlines(), ("BLEU", "chrF2++"), strict=True):
        result = json.loads(line)
        assert result["name"] == name
        for side, theirs in zip(("baseline", "system"), scores[name], strict=True):
            assert result[side]["score"]["score"] == pytest.approx(theirs.score, abs=1e-9)
            assert result[side]["mean"] == pytest.approx(theirs.mean, abs=1e-4)
            assert result[side]["ci"] == pytest.approx(theirs.ci, abs=1e-4)
        assert result["system"]["p_value"] == pytest.approx(scores[name][1].p_value, abs=1.5e-3)
        assert 0.01 < result["system"]["p_value"] < 0.99
        assert result["system"]["file"] == system
    code, out, _ = run(argv, capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 6
    assert lines[0].startswith("BLEU|nrefs:2|bs:1000|seed:12345|") and "(paired" in lines[0]
    assert lines[1].split()[:2] == ["baseline", baseline]
    assert lines[2].split()[:2] == ["system", system] and "(p = " in lines[2]


def test_paired_bs_file_needs_as_many_lines(tmp_path, capsys):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    other = write(tmp_path / "other.txt", HYPOTHESES[:2])
    code, _, err = run([hyp, ref, "--paired-bs", other], capsys)
    assert code == 2 and "other.txt has 2" in err
    code, _, err = run([hyp, ref, "-m", "chrf", "--chrf-char-order", "0"], capsys)
    assert code == 2 and "char_order=0" in err
    code, _, err = run([hyp, ref, "--confidence", "--confidence-n", "0"], capsys)
    assert code == 2 and "n_samples=0" in err


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


def test_chrf_and_paired_bs_without_importing_tensorflow(tmp_path):
    hyp = write(tmp_path / "hyp.txt", HYPOTHESES)
    ref = write(tmp_path / "ref.txt", REFERENCES_1)
    other = write(tmp_path / "other.txt", REFERENCES_2)
    argv = ("bleu", hyp, ref, "-m", "chrf", "--paired-bs", other, "--paired-bs-n", "50")
    result = keras_seq_command(*argv, "--json", python_options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    expected = CHRF().corpus_score(REFERENCES_2, [REFERENCES_1]).score
    assert json.loads(result.stdout)["system"]["score"]["score"] == expected
    modules = imported_modules(result.stderr)
    assert {"keras_seq.metrics.chrf_functions", "keras_seq.metrics.significance"} <= modules
    assert not {"tensorflow", "keras", "keras_seq.metrics.chrf"} & modules

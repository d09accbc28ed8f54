"""The loaders that need no data folder: dates, shapes, timeseries, melodies."""

import datetime
import re

import numpy as np
import pytest

from keras_seq.datasets import dates, melodies, shapes, timeseries


def test_dates_are_deterministic_distinct_and_iso():
    parts = dates.load_data(600, seed=7)
    assert parts == dates.load_data(600, seed=7)
    assert parts != dates.load_data(600, seed=8)
    examples = [e for part in parts for e in part]
    assert [len(p) for p in parts] == [480, 60, 60]
    humans = [h for h, _ in examples]
    assert len(set(humans)) == len(humans)
    for human, iso in examples:
        day = datetime.date.fromisoformat(iso)
        assert dates.FIRST_DATE <= day <= dates.LAST_DATE
        assert str(day.year) in human or f"{day.year % 100:02d}" in human, (human, iso)


def test_dates_cover_the_locales_and_formats():
    train, _, _ = dates.load_data(2000, seed=0, split=(1.0, 0.0, 0.0))
    humans = " ".join(h for h, _ in train)
    for word in ("of", "mars", "März", "de", "-"):
        assert word in humans
    assert re.search(r"\b\d{1,2}(st|nd|rd|th)\b", humans)
    assert re.search(r"\b\d{2}\.\d{2}\.\d{2}\b", humans)  # de_DE short


def test_day_first_slash_dates_never_look_like_us_dates():
    (examples), _, _ = dates.load_data(500, seed=1, locales=("es_ES", "it_IT"))
    for human, _ in examples:
        assert not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", human), human
    us, _, _ = dates.load_data(300, seed=1, locales=("en_US",))
    numeric = [(h, iso) for h, iso in us if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", h)]
    assert numeric
    for human, iso in numeric:  # month first
        month, day, _ = human.split("/")
        assert iso[5:] == f"{int(month):02d}-{int(day):02d}"


def test_dates_bad_arguments():
    with pytest.raises(ValueError, match="'xx_YY'"):
        dates.load_data(10, locales=("en_US", "xx_YY"))
    with pytest.raises(ValueError, match="num_examples"):
        dates.load_data(0)


def test_shapes_captions_name_the_drawn_colours_and_relation():
    (images, captions), validation, _ = shapes.load_data(200, image_size=32, seed=3)
    assert images.shape == (160, 32, 32, 3) and images.dtype == np.uint8
    assert len(validation[1]) == 20
    pattern = re.compile(r"an? (\w+) (\w+)(?: (left of|right of|above|below) an? (\w+) (\w+))?")
    relations = set()
    for image, caption in zip(images, captions):
        match = pattern.fullmatch(caption)
        assert match, caption
        named = [match.group(1)] + ([match.group(4)] if match.group(3) else [])
        assert {match.group(2), match.group(5) or match.group(2)} <= set(shapes.SHAPES)
        drawn = {
            name
            for name, rgb in shapes.COLORS.items()
            if (image.reshape(-1, 3) == rgb).all(axis=1).sum() >= 4
        }
        assert drawn == set(named), caption
        if match.group(3):
            relations.add(match.group(3))
            centers = [
                np.argwhere((image == shapes.COLORS[name]).all(axis=-1)).mean(axis=0)
                for name in named
            ]
            row, column = centers[0] - centers[1]
            expected = {"left of": column < 0, "right of": column > 0, "above": row < 0}
            assert expected.get(match.group(3), row > 0), caption
    assert relations == {"left of", "right of", "above", "below"}
    again = shapes.load_data(200, image_size=32, seed=3)
    assert np.array_equal(again.train[0], images) and again.train[1] == captions


def test_timeseries_windows_follow_the_series_in_time():
    pytest.importorskip("statsmodels", reason="timeseries needs statsmodels (the apps extra)")
    dates_, values = timeseries.load_series("co2")
    assert len(values) == 526 and not np.isnan(values).any()
    assert str(dates_[0]) == "1958-03-01"
    train, validation, test = timeseries.load_data("co2", window=12, horizon=3)
    for x, y in (train, validation, test):
        assert x.shape[1:] == (12, 1) and y.shape[1:] == (3,) and x.dtype == np.float32
        # consecutive windows are shifted by one step
        np.testing.assert_array_equal(x[1:, :-1, 0], x[:-1, 1:, 0])
        np.testing.assert_array_equal(y[:-1, 1:], y[1:, :-1])
    # Windows come straight from the series; a part's targets never reach into the next
    # part (70% of 526 months = 368 train steps, then 79 validation, 79 test).
    np.testing.assert_array_equal(
        train[0][:, :, 0], [values[k : k + 12] for k in range(len(train[0]))]
    )
    np.testing.assert_array_equal(train[1], [values[k + 12 : k + 15] for k in range(len(train[0]))])
    assert len(train[0]) - 1 + 12 + 3 == 368  # last train target is step 367
    np.testing.assert_array_equal(validation[0][0, :, 0], values[368 - 12 : 368])
    np.testing.assert_array_equal(validation[1][-1], values[447 - 3 : 447])
    np.testing.assert_array_equal(test[1][-1], values[-3:])
    sunspots = timeseries.load_data("sunspots")
    assert sunspots.train[0].shape[1:] == (22, 1)
    with pytest.raises(ValueError, match="name"):
        timeseries.load_data("airline")
    with pytest.raises(ValueError, match="window"):
        timeseries.load_data("sunspots", window=0)


def test_melodies_from_the_music21_corpus(monkeypatch, tmp_path):
    pytest.importorskip("music21", reason="melodies need music21 (the apps extra)")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    parts = melodies.load_data(max_per_genre=3, split=(1.0, 0.0, 0.0), seed=2)
    genres, tunes = parts.train
    assert sorted(genres) == ["chorale"] * 3 + ["fiddle"] * 3 + ["folk"] * 3
    token = re.compile(r"(R|[A-G]#?-?\d+)_\d+(/\d+)?")
    for tune in tunes:
        assert len(tune) >= 8
        assert all(token.fullmatch(t) for t in tune), tune[:5]
    assert list((tmp_path / "keras_seq").glob("melodies-*.json"))
    assert melodies.load_data(max_per_genre=3, split=(1.0, 0.0, 0.0), seed=2) == parts


def test_melodies_without_the_corpus_say_so(monkeypatch, tmp_path):
    music21 = pytest.importorskip("music21", reason="melodies need music21 (the apps extra)")

    monkeypatch.setattr(music21.common, "getCorpusFilePath", lambda: str(tmp_path))
    with pytest.raises(melodies.CorpusNotFoundError, match="no bundled corpus"):
        melodies.load_data(["folk"], max_per_genre=1, cache=False)
    with pytest.raises(ValueError, match="'jazz'"):
        melodies.load_data(["jazz"])

"""Human-written dates in many formats and locales, with their ISO 8601 form (generated)."""

import datetime
import random
import re

from keras_seq.checks import check_int, check_split, check_str_list
from keras_seq.datasets import _splits

DEFAULT_LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "pt_BR", "nl_NL")
FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)
MAX_EXAMPLES = 1_000_000

# Extra CLDR patterns per language, on top of the locale's short/medium/long/full.
_PATTERNS = {
    "en": ("d MMMM y", "MMMM d, y", "MMM d, y", "d MMM y", "EEE, MMM d, y", "y-MM-dd"),
    "fr": ("'le' d MMMM y", "d MMM y", "EEEE d MMMM y"),
    "de": ("'am' d. MMMM y", "d. MMM y", "EEEE, d. MMMM y"),
    "es": ("'el' d 'de' MMMM 'de' y", "d MMM y"),
    "it": ("'il' d MMMM y", "d MMM y"),
    "pt": ("d 'de' MMMM 'de' y", "d MMM y"),
    "nl": ("d MMMM y", "d MMM y"),
}
_STYLES = ("short", "medium", "long", "full")


def load_data(
    num_examples=20000,
    *,
    seed=0,
    locales=DEFAULT_LOCALES,
    split=(0.8, 0.1, 0.1),
):
    """Generates human-written dates and their ISO 8601 strings, for date normalisation.

    Each example is a random date between 1950-01-01 and 2049-12-31 written in a
    random locale with `babel.dates.format_date`: the locale's `short`, `medium`,
    `long` and `full` formats, extra patterns per language (`"le 3 mars 2021"`,
    `"am 3. März 2021"`, ...) and English ordinals (`"3rd of March, 2021"`,
    `"March 3rd, 2021"`); some are lower- or upper-cased. Two-digit years mean
    19xx from 50 up and 20xx below. Day-first numeric formats with a slash and a
    two-digit year (`es_ES` "3/4/21") are written with four digits instead, so they
    cannot be read as the US "M/d/yy"; any remaining string that two dates would
    produce is dropped, so every input has one answer. Inputs are distinct, so no
    input is in two parts. Nothing is downloaded; the result depends only on the
    arguments (and the babel version's locale data).

    Args:
        num_examples: int. Number of distinct examples (at most 1,000,000).
            Defaults to `20000`.
        seed: int. Random seed. Defaults to `0`.
        locales: sequence of str. Babel locale names. Defaults to
            `("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "pt_BR", "nl_NL")`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults
            to `(0.8, 0.1, 0.1)`.

    Returns:
        `Splits(train, validation, test)`, each a list of `(human, iso)` str
        tuples, e.g. `("3rd of March, 2021", "2021-03-03")`.

    Example:
    >>> from keras_seq.datasets import dates
    >>> train, validation, test = dates.load_data(100, seed=1)
    >>> len(train), len(validation), len(test)
    (80, 10, 10)
    >>> import datetime
    >>> all(datetime.date.fromisoformat(iso) for _, iso in train)
    True
    """
    import babel
    import babel.dates

    check_int("num_examples", num_examples, minimum=1, maximum=MAX_EXAMPLES)
    seed = check_int("seed", seed, minimum=0)
    check_split("split", split)
    writers = _writers(locales, babel)  # one list of writers per locale
    rng = random.Random(seed)
    span = (LAST_DATE - FIRST_DATE).days
    answers, clashes = {}, set()
    attempts = 0
    while len(answers) < num_examples:
        attempts += 1
        if attempts > 20 * num_examples + 1000:
            raise RuntimeError(
                f"Could not generate {num_examples} distinct dates; ask for fewer or give "
                "more locales."
            )
        date = FIRST_DATE + datetime.timedelta(days=rng.randrange(span + 1))
        write = rng.choice(rng.choice(writers))
        text = write(date, rng, babel.dates)
        case = rng.random()
        if case < 0.1:
            text = text.lower()
        elif case < 0.15:
            text = text.upper()
        iso = date.isoformat()
        if text in clashes:
            continue
        if answers.get(text, iso) != iso:
            del answers[text]
            clashes.add(text)
            continue
        answers[text] = iso
    examples = list(answers.items())
    parts = _splits.split_indices(len(examples), split, seed)
    return _splits.Splits(*([examples[i] for i in part] for part in parts))


def _writers(locales, babel):
    groups = []
    for name in check_str_list("locales", locales):
        try:
            locale = babel.Locale.parse(name)
        except (ValueError, TypeError, babel.UnknownLocaleError) as error:
            raise ValueError(
                f"`locales` must hold babel locale names such as 'fr_FR'. Received: {name!r} "
                f"({error})"
            ) from None
        patterns = [_numeric_pattern(locale, babel)] + list(_STYLES[1:])
        patterns += list(_PATTERNS.get(locale.language, ()))
        writers = [_babel_writer(locale, pattern) for pattern in patterns]
        if locale.language == "en":
            writers += [_english_ordinal(locale, style) for style in range(3)]
        if locale.language == "fr":
            writers.append(_french_first(locale))
        groups.append(writers)
    return groups


def _numeric_pattern(locale, babel):
    pattern = babel.dates.get_date_format("short", locale=locale).pattern
    day_first = pattern.index("d") < pattern.index("M") if "d" in pattern else True
    two_digit_year = re.search(r"(?<!y)yy(?!y)", pattern) is not None
    if day_first and "/" in pattern and two_digit_year:
        return "dd/MM/y"
    return pattern


def _babel_writer(locale, pattern):
    def write(date, rng, dates):
        return dates.format_date(date, pattern, locale=locale)

    return write


def _english_ordinal(locale, style):
    def write(date, rng, dates):
        day = date.day
        suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        month = dates.format_date(date, "MMMM", locale=locale)
        if style == 0:
            return f"{day}{suffix} of {month}, {date.year}"
        if style == 1:
            return f"{month} {day}{suffix}, {date.year}"
        return f"the {day}{suffix} of {month} {date.year}"

    return write


def _french_first(locale):
    def write(date, rng, dates):
        text = dates.format_date(date, "d MMMM y", locale=locale)
        return "le 1er" + text[1:] if date.day == 1 else "le " + text

    return write

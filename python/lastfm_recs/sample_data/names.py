"""Invented artist names: word and syllable lists in several scripts, spelling
variants and MBID-shaped ids (no real artist appears)."""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator

import numpy as np

# --- name material -----------------------------------------------------------
ADJECTIVES = (
    "black silver electric broken golden lonely velvet crimson hollow wild "
    "quiet burning frozen neon secret paper savage gentle bright dead "
    "sonic lucky empty holy little great cosmic dark blue white red young "
    "strange tired glass iron"
).split()
NOUNS = (
    "wolves kings hearts lights machines ghosts rivers shadows horses "
    "sisters brothers cowboys pilots engines flowers stones birds "
    "mountains children dreams vultures angels tigers monkeys owls "
    "parade orchestra circus society union project collective factory "
    "republic sound noise choir army club experience"
).split()
FIRST_NAMES = (
    "john mary paul anna james laura david emma peter kate michael sarah "
    "tom lucy frank nina marco elena victor ivy sam alice ben rosa jack "
    "grace leo iris max ruby"
).split()
LAST_NAMES = (
    "smith jones miller taylor brown wilson moore clark walker hall young "
    "king wright scott green baker adams nelson carter mitchell turner "
    "parker collins stewart morris reed cook bell murphy bailey"
).split()
SYLLABLES = (
    "ka ro mi na te lo su vi ra do ze ly ba ko ri an el or un is ta ne "
    "mo ku sa ve xi qu tor zan dra mel"
).split()
# (native, Latin) syllables; the Latin forms give the transliterated spellings.
CYRILLIC = [
    ("ру", "ru"), ("ки", "ki"), ("вв", "vv"), ("ер", "er"), ("ха", "kha"),
    ("ли", "li"), ("ма", "ma"), ("ня", "nya"), ("зе", "ze"), ("мф", "mf"),
    ("ира", "ira"), ("ка", "ka"), ("ло", "lo"), ("ве", "ve"), ("ти", "ti"),
    ("ля", "lya"), ("що", "shcho"), ("жи", "zhi"), ("чай", "chay"),
    ("ф", "f"), ("бо", "bo"), ("ски", "ski"), ("ю", "yu"), ("сто", "sto"),
    ("ды", "dy"), ("ра", "ra"), ("го", "go"), ("де", "de"),
]
KANA = [
    ("カ", "か", "ka"), ("ミ", "み", "mi"), ("ナ", "な", "na"),
    ("ト", "と", "to"), ("リ", "り", "ri"), ("ア", "あ", "a"),
    ("シ", "し", "shi"), ("ス", "す", "su"), ("ヨ", "よ", "yo"),
    ("ム", "む", "mu"), ("ラ", "ら", "ra"), ("キ", "き", "ki"),
    ("サ", "さ", "sa"), ("ユ", "ゆ", "yu"), ("ン", "ん", "n"),
    ("ハ", "は", "ha"), ("モ", "も", "mo"), ("コ", "こ", "ko"),
]
KANJI = [
    ("東京", "tokyo"), ("事変", "jihen"), ("椎名", "shiina"),
    ("林檎", "ringo"), ("宇多田", "utada"), ("光", "hikaru"),
    ("月", "tsuki"), ("桜", "sakura"), ("夜", "yoru"), ("空", "sora"),
]
HANGUL = [
    ("소", "so"), ("녀", "nyeo"), ("시", "si"), ("대", "dae"), ("빅", "big"),
    ("뱅", "bang"), ("동", "dong"), ("방", "bang"), ("신", "shin"),
    ("기", "gi"), ("서", "seo"), ("태", "tae"), ("지", "ji"), ("보", "bo"),
    ("아", "a"), ("이", "i"), ("유", "yu"), ("진", "jin"), ("하", "ha"),
    ("민", "min"),
]
HANZI = [
    ("周", "zhou"), ("杰", "jie"), ("伦", "lun"), ("王", "wang"),
    ("菲", "fei"), ("五", "wu"), ("月", "yue"), ("天", "tian"), ("林", "lin"),
    ("俊", "jun"), ("陈", "chen"), ("奕", "yi"), ("迅", "xun"),
    ("张", "zhang"), ("学", "xue"), ("友", "you"), ("刘", "liu"),
    ("德", "de"), ("华", "hua"), ("孙", "sun"), ("燕", "yan"), ("姿", "zi"),
]
# Accented letters by country (ISO alpha-2); other Latin countries get a mix.
ACCENTS = {
    "DE": "äöüß", "AT": "äöü", "CH": "äöüé", "FR": "éèêçà", "BE": "éèç",
    "ES": "áéíóñ", "MX": "áéíóñ", "AR": "áéíóñ", "CL": "áéíñ", "CO": "áéíñ",
    "PT": "ãõçáê", "BR": "ãõçáê", "SE": "åäö", "FI": "äö", "NO": "æøå",
    "DK": "æøå", "IS": "þðáó", "PL": "łśżźćęąó", "CZ": "čšžřěý",
    "SK": "čšžýá", "HU": "őűöüá", "RO": "ășțâî", "TR": "ğşıçöü",
    "IT": "àèìòù", "HR": "čćšžđ", "SI": "čšž",
}
MIXED_ACCENTS = "áéíóúäöüåøñçãłšžčěřý"
FOLD: dict[str, str | int | None] = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
                                     "ß": "ss", "đ": "d", "þ": "th", "ð": "d", "ı": "i"}
FOLD_TABLE = str.maketrans(FOLD)
SCRIPT_OF_COUNTRY = {
    **dict.fromkeys("RU UA BY BG KZ RS MK KG TJ MN".split(), "cyr"),
    "JP": "ja", "KR": "ko", "KP": "ko",
    **dict.fromkeys("CN TW HK MO".split(), "zh"),
    **dict.fromkeys(ACCENTS, "acc"),
}



# --- names -------------------------------------------------------------------
def ascii_fold(s: str) -> str:
    """Drop accents: 'Sigur Rós' -> 'Sigur Ros', 'Łódź' -> 'Lodz'."""
    s = s.translate(FOLD_TABLE)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


class Draws:
    """Uniform floats from a ``numpy.random.Generator``, drawn in blocks and
    handed out one by one (per-call numpy overhead would dominate the
    name building loops)."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self.rng, self.block = rng, block
        self.it: Iterator[float] = iter(())

    def __call__(self) -> float:
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self.rng.random(self.block).tolist())
            return next(self.it)

    def integer(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi)."""
        return lo + int(self() * (hi - lo))

    def pick(self, seq: list | tuple | str, k: int | None = None):
        """One element of ``seq`` (or a list of ``k``, with replacement)."""
        if k is None:
            return seq[int(self() * len(seq))]
        return [seq[int(self() * len(seq))] for _ in range(k)]


@functools.cache
def accent_options(letters: str) -> dict[str, list[str]]:
    """Accented letters by the plain letter they decorate: 'äöü' -> {'a': ['ä'], ...}."""
    out: dict[str, list[str]] = {}
    for x in letters:
        base = ascii_fold(x)
        if len(base) == 1:
            out.setdefault(base, []).append(x)
    return out


def make_name(draw: Draws, script: str, alpha2: str = "") -> tuple[str, str]:
    """One invented artist name and its Latin transliteration (same if Latin).

    ``script`` is 'en' (English-like), 'acc' (accented Latin, letters of the
    country ``alpha2``), 'cyr', 'ja', 'ko' or 'zh'.
    """
    if script == "cyr":
        words = [draw.pick(CYRILLIC, draw.integer(2, 4)) for _ in range(draw.integer(1, 3))]
        native = " ".join("".join(c for c, _ in w) for w in words)
        latin = " ".join("".join(lat for _, lat in w) for w in words)
        return (native.title(), latin.title()) if draw() < 0.6 else (native, latin)
    if script == "ja":
        if draw() < 0.3:
            (k1, r1), (k2, r2) = draw.pick(KANJI, 2)
            return k1 + k2, f"{r1} {r2}"
        syl = draw.pick(KANA, draw.integer(2, 5))
        col = 0 if draw() < 0.6 else 1
        return "".join(x[col] for x in syl), "".join(x[2] for x in syl)
    if script in ("ko", "zh"):
        syl = draw.pick(HANGUL if script == "ko" else HANZI, draw.integer(2, 4))
        return "".join(c for c, _ in syl), syl[0][1] + " " + "".join(lat for _, lat in syl[1:])
    name = latin_name(draw)
    if script == "acc" and (not alpha2 or draw() < 0.5):  # local names: half accented
        options = accent_options(ACCENTS.get(alpha2, MIXED_ACCENTS))
        chars = list(name)
        spots = [i for i, c in enumerate(chars) if c.lower() in options]
        for i in {draw.pick(spots) for _ in range(draw.integer(1, 3))} if spots else ():
            accented = draw.pick(options[chars[i].lower()])
            chars[i] = accented.upper() if chars[i].isupper() else accented
        name = "".join(chars)
    return name, ascii_fold(name)


def latin_name(draw: Draws) -> str:
    """An English-looking band or person name ('the silver wolves', 'kate moore')."""
    def word() -> str:
        return "".join(draw.pick(SYLLABLES, draw.integer(2, 4)))

    kind = draw.integer(0, 8)
    if kind == 0:
        name = f"the {draw.pick(ADJECTIVES)} {draw.pick(NOUNS)}"
    elif kind == 1:
        name = f"{draw.pick(FIRST_NAMES)} {draw.pick(LAST_NAMES)}"
    elif kind == 2:
        name = word()
    elif kind == 3:
        name = f"{draw.pick(ADJECTIVES)} {draw.pick(NOUNS)}"
    elif kind == 4:
        name = f"{draw.pick(NOUNS)} of {draw.pick(NOUNS)}"
    elif kind == 5:
        name = f"{word()} {draw.pick(NOUNS)}"
    elif kind == 6:
        name = f"{draw.pick(FIRST_NAMES)} {draw.pick(LAST_NAMES)} & the {draw.pick(NOUNS)}"
    else:
        name = f"dj {word()}" if draw() < 0.5 else f"{word()} {word()}"
    return name.title() if draw() < 0.3 else name


def quoted_name(draw: Draws) -> str:
    """A name holding a double quote, balanced or not ('the 7" club')."""
    w = latin_name(draw).lower()
    return [f'"{w}"', f'{draw.pick(FIRST_NAMES)} "{draw.pick(ADJECTIVES)}" {draw.pick(LAST_NAMES)}',
            f'the {draw.integer(7, 13)}" {draw.pick(NOUNS)}', f'{w} "live"'][draw.integer(0, 4)]


def spelling_variants(draw: Draws, canonical: str, latin: str, k: int) -> list[str]:
    """Up to ``k`` distinct other spellings of an artist name.

    Case variants, transliteration (Cyrillic / kana / hangul / hanzi to Latin,
    accents dropped), a 'keyboard' transliteration ('Руки Вверх' ->
    'ryki vverh'), 'the' dropped or added, '&' <-> 'and', punctuation and a
    swap of two letters.
    """
    if k <= 0:
        return []
    if latin != canonical:  # transliterations are the common variants
        common = [latin.lower(), latin]
        if any("\u0400" <= c <= "\u04ff" for c in canonical):
            common.append(latin.lower().replace("kh", "h").replace("u", "y"))
    else:
        common = [canonical.lower(), canonical.title()]
    rare = [canonical.lower(), canonical.title(), canonical.upper(), canonical + "!"]
    if canonical.isascii():
        i = draw.integer(1, max(2, len(canonical) - 2))
        rare += [
            canonical[4:] if canonical.lower().startswith("the ") else "the " + canonical,
            canonical.replace("&", "and") if "&" in canonical else canonical + ".",
            canonical.replace(" ", ""),
            canonical[:i] + canonical[i + 1:i + 2] + canonical[i:i + 1] + canonical[i + 2:],  # letter swap
        ]
    out: list[str] = []
    for c in sorted(common, key=lambda _: draw()) + sorted(rare, key=lambda _: draw()):
        if c and c != canonical and c not in out:
            out.append(c)
            if len(out) == k:
                break
    return out


def uuid_strings(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random version-4-shaped UUID strings."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    h = raw.tobytes().hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]

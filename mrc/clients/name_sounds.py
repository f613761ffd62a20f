"""Sound keys: one Latin consonant skeleton for a name word, whatever script it was typed in.

"Muhammad", "Mohammed", "Md." and "محمد" all become ``mhmd``; "Rokeya" and "রোকেয়া" become
``rka``; "Usman", "Osman" and "عثمان" become ``asmn``. The key is deliberately coarse (it is a
phonetic key, like Soundex, built for South Asian and Middle Eastern names written in Latin,
Arabic-script and Bengali letters): it makes spellings of one name meet, and the duplicate
ranking then weighs birth year, sex, the other name words and identifiers, so a common key alone
never decides anything.

How a word becomes a key:
- each letter maps to a consonant class (``k`` for k/q/c/kh/ق/ک/খ, ``s`` for s/sh/th/ث/س/ص/ش/শ,
  ``z`` for z/j/ج/ز/ذ/ض/ظ/জ — Bengali writes Arabic z-names with জ —, aspirates fold to their
  plain consonant, ...);
- vowels are dropped (Arabic script and Bengali leave most of them unwritten), except that a
  word starting with a vowel starts with ``a`` (``y``/``w`` for a leading y/ی or w/و) and a word
  ending in a vowel sound ends with ``a``, so "Usman" and "Usmani" stay apart;
- repeated consonants collapse ("Hussain" = "Husain");
- "Mahmood"/"محمود" keeps its long vowel ("mhmwd"), so it does not meet Muhammad ("mhmd");
- the Arabic article inside a compound splits it ("عبدالرحمن" = "عبد" + "رحمن"), standalone
  articles ("al", "ul", "ud", ...) are dropped, and "Abd"/"Abdul"/"Abdur" join the next word so
  "Abdul Rahman", "Abd al-Rahman" and "عبدالرحمن" all give ``abdrhmn``.
Transliteration tables are written here rather than taken from a general transliteration package
because those produce readable romanisations (with vowels guessed), not comparison keys.
"""

import re
import unicodedata

VOWEL = "V"  # a vowel letter or sign (dropped, but marks word starts and ends)
DROP = ""  # letters with no sound of their own here (virama, hamza, do-chashmi he)

# Arabic script: Arabic, Urdu, Persian/Dari, Pashto, Sorani letters.
_ARABIC = {
    "ا": VOWEL, "آ": VOWEL, "أ": VOWEL, "إ": VOWEL, "ٱ": VOWEL, "ع": VOWEL,
    "و": "w", "ۆ": "w", "ۇ": "w", "ؤ": VOWEL, "ی": "y", "ي": "y", "ى": "y", "ے": "y", "ێ": "y",
    "ئ": VOWEL, "ء": DROP, "ھ": DROP,
    "ب": "b", "پ": "p", "ت": "t", "ٹ": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "ش": "s",
    "ج": "z", "ز": "z", "ذ": "z", "ض": "z", "ظ": "z", "ژ": "z", "ځ": "z", "ږ": "z",
    "چ": "c", "څ": "s", "ح": "h", "ہ": "h", "ه": "h", "ە": "h", "ة": "h", "ۃ": "h", "خ": "k",
    "د": "d", "ڈ": "d", "ډ": "d", "ر": "r", "ڑ": "r", "ړ": "r", "ڕ": "r",
    "غ": "g", "گ": "g", "ګ": "g", "ف": "f", "ڤ": "w", "ق": "k", "ک": "k", "ك": "k", "ښ": "s",
    "ل": "l", "ڵ": "l", "م": "m", "ن": "n", "ں": "n", "ڼ": "n", "ۍ": "y", "ې": "y",
}
# A final he/teh marbuta is a vowel ("فاطمہ" = Fatima); elsewhere it is h.
_FINAL_VOWEL_H = set("ہهەةۃ")

_BENGALI = {
    "ক": "k", "খ": "k", "গ": "g", "ঘ": "g", "ঙ": "n", "চ": "c", "ছ": "c", "জ": "z", "ঝ": "z",
    "ঞ": "n", "ট": "t", "ঠ": "t", "ড": "d", "ঢ": "d", "ণ": "n", "ত": "t", "থ": "t", "দ": "d",
    "ধ": "d", "ন": "n", "প": "p", "ফ": "f", "ব": "b", "ভ": "b", "ম": "m", "য": "z", "র": "r",
    "ল": "l", "শ": "s", "ষ": "s", "স": "s", "হ": "h", "\u09dc": "r", "\u09dd": "r", "\u09df": "y",
    "ৎ": "t",
    "ং": "n", "ঃ": DROP, "ঁ": DROP, "্": DROP, "\u09bc": DROP,
}
_BENGALI_NUKTA = {"\u09a1\u09bc": "\u09dc", "\u09a2\u09bc": "\u09dd", "\u09af\u09bc": "\u09df"}
for _ch in "অআইঈউঊঋএঐওঔািীুূৃেৈোৌৗ":
    _BENGALI[_ch] = VOWEL

# Latin: digraphs first, then letters.
_LATIN_DIGRAPHS = [("sh", "s"), ("ch", "c"), ("kh", "k"), ("gh", "g"), ("ph", "f"), ("th", "t"),
                   ("dh", "d"), ("bh", "b"), ("zh", "z"), ("ck", "k"), ("jh", "z")]
_LATIN = {
    "a": VOWEL, "e": VOWEL, "i": VOWEL, "o": VOWEL, "u": VOWEL, "y": "y", "w": "w", "v": "w",
    "b": "b", "c": "k", "d": "d", "f": "f", "g": "g", "h": "h", "j": "z", "k": "k", "l": "l",
    "m": "m", "n": "n", "p": "p", "q": "k", "r": "r", "s": "s", "t": "t", "x": "ks", "z": "z",
}

# Abbreviations of Muhammad that do not sound like it.
_MUHAMMAD_ABBREVIATIONS = {"md", "mohd", "muhd", "mhd", "mohd", "mohmd", "mo"}
# Mahmood (محمود, মাহমুদ) has the consonants of Muhammad (mhmd) but is another name: it keeps
# the long vowel before its last letter in its key, "mhmwd".
_MAHMOOD = re.compile(r"^(m[aeo]?h?m(oo|ou|u|o)d|محمود|মাহমুদ|মাহমূদ)$")
# The Arabic article when written as its own word ("Zia ul Haq", "al-Hassan").
_ARTICLES = {"al", "el", "ul", "ud", "ad", "ar", "as", "an", "ur", "us", "ut", "ush", "uz", "az"}
_ABD = re.compile(r"^abd[lrnsdtz]?$")
_GLIDES = {"y", "w"}  # vowels in the middle of a word, consonants at its start


def _classes(word: str) -> list[str]:
    """The letter classes of one word (script detected per letter)."""
    out: list[str] = []
    text = word
    if text.isascii():
        for digraph, replacement in _LATIN_DIGRAPHS:
            text = text.replace(digraph, replacement.upper())
        for index, char in enumerate(text):
            if char.isupper():  # a folded digraph
                out.append(char.lower())
            elif char == "h" and index == len(text) - 1 and index > 0 and out and out[-1] in (
                VOWEL, "y", "w"
            ):
                continue  # final h after a vowel: "Fatimah" = "Fatima", "Shah"
            else:
                out.extend(_LATIN.get(char, DROP) if char != "x" else ["k", "s"])
        return out
    # NFC leaves these Bengali letters decomposed (letter + nukta): compose them for the table.
    for decomposed, composed in _BENGALI_NUKTA.items():
        text = text.replace(decomposed, composed)
    for index, char in enumerate(text):
        if char in _ARABIC:
            if char in _FINAL_VOWEL_H and index == len(text) - 1 and index > 0:
                out.append(VOWEL)
            else:
                out.append(_ARABIC[char])
        elif char in _BENGALI:
            # ্য (ya-phala) and ্ব (ba-phala) only change the vowel or double the consonant.
            if char in "যব" and out and index > 0 and text[index - 1] == "্":
                continue
            out.append(_BENGALI[char])
        # anything else (marks, other scripts) has no class
    return out


def _skeleton(classes: list[str]) -> str:
    letters = [c for c in classes if c != DROP]
    if not letters:
        return ""
    key = []
    first = letters[0]
    if first == VOWEL:
        # "ইয়াসমিন" (i + ya): a vowel followed by a glide starts like the glide.
        key.append(letters[1] if len(letters) > 1 and letters[1] in _GLIDES else "a")
        body = letters[2:] if len(letters) > 1 and letters[1] in _GLIDES else letters[1:]
    else:
        key.append(first)
        body = letters[1:]
    for cls in body:
        if cls in (VOWEL, "y", "w"):
            continue
        if key[-1] != cls:
            key.append(cls)
    if len(letters) > 1 and letters[-1] in (VOWEL, "y", "w"):
        key.append("a")
    return "".join(key)


def _split_arabic_article(word: str) -> list[str]:
    """"عبدالرحمن" -> ["عبد", "رحمن"]; a leading "ال" is dropped: "الحسن" -> ["حسن"]."""
    if word.isascii():
        return [word]
    parts = []
    rest = word
    if rest.startswith("ال") and not rest.startswith("الل") and len(rest) > 3:
        # "الحسن" -> "حسن"; but "اللہ" (Allah) keeps its first letters, as in Latin.
        rest = rest[2:]
    index = rest.find("ال", 2)
    while index >= 2 and len(rest) - index > 3:
        parts.append(rest[:index])
        rest = rest[index + 2:]
        index = rest.find("ال", 2)
    parts.append(rest)
    return parts


def _ascii_fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word)
    if all(ord(c) < 0x250 for c in text):  # Latin: drop diacritics
        return "".join(c for c in text if c.isascii()).lower()
    return unicodedata.normalize("NFC", word)


def sound_keys(words: list[str]) -> list[str]:
    """Sound keys of the folded name words of one name (see ``search_keys.name_words``)."""
    pieces: list[str] = []
    for word in words:
        word = _ascii_fold(word)
        if word in _MUHAMMAD_ABBREVIATIONS:
            word = "muhammad"
        if word in _ARTICLES:
            continue
        pieces.extend(_split_arabic_article(word))
    keys: list[str] = []
    pending_abd = False
    for piece in pieces:
        key = _skeleton(_classes(piece))
        if key == "mhmd" and _MAHMOOD.match(piece):
            key = "mhmwd"
        if not key:
            continue
        if _ABD.match(key):
            pending_abd = True
            continue
        if pending_abd:
            key, pending_abd = "abd" + key, False
        if key not in keys:
            keys.append(key)
    if pending_abd and "abd" not in keys:
        keys.append("abd")
    return keys

"""User text made comparable: normalising, tokens, stop words, language, stems.

Pure functions, stdlib plus snowballstemmer. Everything a message goes through before matching
lives here, so the knowledge base and the user's words are prepared by the same code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import snowballstemmer

MAX_INPUT_CHARS: Final = 500
"""Only the start of a message is read: questions are short, and the cost must stay bounded."""

APOSTROPHE: Final = "'"
_APOSTROPHES: Final = "ʼ’'`‘´ʹ′＇"

Script = Literal["latin", "cyrillic", "other"]


def _wordset(words: str) -> frozenset[str]:
    """A set from a whitespace-separated list (easier to read and edit than quoted items)."""
    return frozenset(words.split())


# --- normalising --------------------------------------------------------------------------------

_PRE_NFKC = str.maketrans({c: APOSTROPHE for c in _APOSTROPHES})

# Format characters (Cf: zero-width, soft hyphen, bidi controls) live in these blocks only; CJK,
# Hangul and private use (U+3000-U+FDFF, planes 2-13 and 15-16) have none.
_CF_BLOCKS: Final = ((0x0000, 0x3000), (0xFE00, 0x20000), (0xE0000, 0xE0100))
_FORMAT_CHARS = re.compile(
    "["
    + "".join(
        re.escape(chr(code))
        for start, end in _CF_BLOCKS
        for code in range(start, end)
        if unicodedata.category(chr(code)) == "Cf"
    )
    + "]+"
)
_LATIN_LETTER = re.compile(r"[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u052f]")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

# Lower-case letters that look alike in Latin and Cyrillic (also those whose capitals look alike:
# after casefolding "КIТА" the Latin i must still fold to і).
_LAT_TO_CYR: Final = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і", "k": "к", "m": "м",
    "o": "о", "p": "р", "t": "т", "x": "х", "y": "у",
}  # fmt: skip
_CYR_TO_LAT: Final = {v: k for k, v in _LAT_TO_CYR.items()}
_TO_CYR = str.maketrans(_LAT_TO_CYR)
_TO_LAT = str.maketrans(_CYR_TO_LAT)


def script(ch: str) -> Script:
    """The script of one character: Latin, Cyrillic or anything else."""
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "latin"
    if ch < "\u00c0":
        return "other"
    if "\u0400" <= ch <= "\u04ff" or "\u0500" <= ch <= "\u052f":
        return "cyrillic"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return "other"


def _fold_mixed_word(word: str) -> str:
    """A word mixing Latin and Cyrillic gets its look-alikes in the word's majority script."""
    latin = cyrillic = 0
    for ch in word:
        kind = script(ch)
        if kind == "latin":
            latin += 1
        elif kind == "cyrillic":
            cyrillic += 1
    if not latin or not cyrillic:
        return word
    # A tie goes to Cyrillic: the look-alike tricks we see are Latin letters in Cyrillic words.
    return word.translate(_TO_CYR if cyrillic >= latin else _TO_LAT)


def _unify(text: str) -> str:
    """NFKC, casefold, no invisible characters, one apostrophe, single spaces (umlauts kept)."""
    # Invisible characters go first: removing one later could let its neighbours compose.
    text = text[:MAX_INPUT_CHARS]
    if text.isascii():
        return _SPACES.sub(" ", text.lower().translate(_PRE_NFKC)).strip()
    text = _FORMAT_CHARS.sub("", text).translate(_PRE_NFKC)
    for _ in range(3):  # casefolding can un-normalise a few characters; settle on a fixed point
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = unicodedata.normalize("NFC", folded)
        if folded == text:
            break
        text = folded
    text = _FORMAT_CHARS.sub("", text).translate(_PRE_NFKC)
    return _SPACES.sub(" ", text).strip()


def _fold_words(text: str) -> str:
    if text.isascii() or not _LATIN_LETTER.search(text) or not _CYRILLIC_LETTER.search(text):
        return text
    return _WORD.sub(lambda m: _fold_mixed_word(m.group()), text)


def _prepared(text: str) -> str:
    """Normalised except for the umlauts (the stemmers and lemmatisers want those)."""
    return _fold_words(_cut(_unify(text)))


def _cut(text: str) -> str:
    """At most MAX_INPUT_CHARS, cut at a space when there is one (NFKC may have expanded)."""
    if len(text) <= MAX_INPUT_CHARS:
        return text
    head = text[:MAX_INPUT_CHARS]
    space = head.rfind(" ")
    return head[:space] if space > 0 else head


def normalize(text: str) -> str:
    """NFKC + casefold; no Cf characters; one apostrophe; ä->ae ö->oe ü->ue ß->ss; single spaces."""
    unified = _unify(text).translate(_UMLAUTS)
    return _fold_words(_cut(_SPACES.sub(" ", unified).strip()))


# --- tokens -------------------------------------------------------------------------------------


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text` after `normalize`; an apostrophe inside a word belongs to it."""
    return tuple(_WORD.findall(normalize(text)))


@lru_cache(maxsize=65536)
def word_script(word: str) -> Script:
    """The script most letters of `word` are written in."""
    latin = cyrillic = 0
    for ch in word:
        kind = script(ch)
        if kind == "latin":
            latin += 1
        elif kind == "cyrillic":
            cyrillic += 1
    if not latin and not cyrillic:
        return "other"
    return "cyrillic" if cyrillic >= latin else "latin"


@lru_cache(maxsize=65536)
def fold_umlauts(word: str) -> str:
    """ä->ae, ö->oe, ü->ue, ß->ss."""
    return word.translate(_UMLAUTS)


def loose_latin(word: str) -> str:
    """Also match people who drop the umlaut entirely: uebernimmt/ubernimmt -> ubernimmt."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


_LOOSE_CYR = str.maketrans(
    {"ь": None, "'": None, "ъ": None, "ї": "і", "є": "е", "ё": "е", "ґ": "г"}
)


def loose_cyrillic(word: str) -> str:
    """Soft sign and apostrophe dropped, ї->і, є->е: what romanised or hurried writing loses."""
    return word.translate(_LOOSE_CYR)


# --- stop words ---------------------------------------------------------------------------------
# Small hand lists: function words and politeness that never decide a topic. Words that can carry
# meaning here (Kind, kind, amt, wann/when for office hours) are deliberately left out.

_STOP_DE = """
a ab aber alle alles als also am an auch auf aus bei beim bin bis bitte bzw da dafuer dann das dass
dein deine dem den denn der des dich die dir doch dort du durch ein eine einem einen einer eines er
es etwa etwas euch euer fuer gibt gibts gerne gern hab habe haben hallo hat hatte hier ich ihm ihn
ihr ihre im in ist ja jetzt kann koennen koennte man mal mein meine meinem meinen meiner mich mir
mit muss muessen nach ne nicht noch nun nur ob oder ohne sehr sein seine sich sie sind so soll
sollen ueber um und uns unser unsere unserem unseren unserer vom von vor war waere was weil welche
welcher welches wenn wer werden wie wir wird wo woher wohin wuerde wuerden zu zum zur zwar eigentlich
denn halt schon bereits einfach genau guten moin hi hey servus danke vielen dank liebe lieber
sehr geehrte geehrter damen herren frage fragen tun machen
"""
_STOP_EN = """
a about after am an and any anyone are as at be been but by can could did do does doing for from
get got had has have hello hey hi how i i'm im if in into is it it's its just me my of on or our
ours please pls so some than that the their them then there these they this those to too u up us
was we were what what's whats which while who whom why will with would you your yours thanks thank
question questions dear regards we're we've we'll you're they're i've i'll i'd don't doesn't can't
"""
_STOP_UK = """
а або але б би бо був була були було в вам вас ви від все всі вже де для до його її з за зі
й і із їх к коли ласка либо ми мене мені мій мого моя моє мої на над нам нас не ні ну о об
от по при про та так також там те тим то тобто того той ти треба у уже це цей ця ці через чи
що щоб як яка який які якщо я будь підкажіть скажіть будь-ласка добрий доброго
привіт дякую будьласка питання є робити
"""
_STOP_RU = """
а без бы был была были было в вам вас вы все всё где да для до его ее её если есть же за и из
или им их к как ли мне мой моя мы на нам нас не нет но о об от по при про с со так то того
ты у уже что чтобы это этот эта эти я пожалуйста подскажите скажите здравствуйте добрый
спасибо привет вопрос делать
"""

STOP_WORDS: Final[dict[str, frozenset[str]]] = {
    "de": frozenset(_STOP_DE.split()),
    "en": frozenset(_STOP_EN.split()),
    "uk": frozenset(_STOP_UK.split()),
    "ru": frozenset(_STOP_RU.split()),
}
_STOP_LATIN: Final = STOP_WORDS["de"] | STOP_WORDS["en"]
_STOP_CYRILLIC: Final = STOP_WORDS["uk"] | STOP_WORDS["ru"]


# A function word in one language can be the topic in another: German "war" (was) is English "war".
_CONTENT_HERE: Final[dict[str, frozenset[str]]] = {"en": frozenset({"war"})}


@lru_cache(maxsize=65536)
def is_stop_word(word: str, lang: str = "") -> bool:
    """True for a function word of any of our languages in the word's own script, unless the
    message's language `lang` uses it as a content word."""
    if word_script(word) == "cyrillic":
        return word in _STOP_CYRILLIC
    flat = word.translate(_UMLAUTS)
    return flat in _STOP_LATIN and flat not in _CONTENT_HERE.get(lang, ())


# --- romanised Ukrainian ------------------------------------------------------------------------

_ROMAN_MULTI: Final = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("ya", "я"), ("ia", "я"), ("ja", "я"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"),
    ("ye", "є"), ("ie", "є"), ("je", "є"), ("yi", "ї"), ("ji", "ї"), ("yo", "йо"), ("jo", "йо"),
)  # fmt: skip
_ROMAN_SINGLE: Final = {
    "a": "а", "b": "б", "v": "в", "w": "в", "h": "г", "g": "г", "d": "д", "e": "е", "z": "з",
    "y": "и", "i": "і", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "c": "ц", "x": "кс", "q": "к", "'": "ь",
}  # fmt: skip
_VOWELS_LAT: Final = frozenset("aeiouy")
_WORD_END_IY = re.compile(r"(?<=[bcdfghklmnprstvwxz])(?:yi|yy|iy|ij|yj)$")


def romanized_to_cyrillic(word: str) -> str:
    """Latin-letter Ukrainian (jak zapysaty dytynu, shcheplennia) back to Cyrillic, best effort."""
    word = _WORD_END_IY.sub("ий", word)
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for latin, cyr in _ROMAN_MULTI:
            if word.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            ch = word[i]
            # After a vowel, i is usually ї (Ukrainy, moi, yii).
            if ch == "i" and i > 0 and word[i - 1] in _VOWELS_LAT:
                out.append("ї")
            else:
                out.append(_ROMAN_SINGLE.get(ch, ch))
            i += 1
    return "".join(out)


# Frequent words of romanised Ukrainian that German and English do not have.
_ROMAN_UK_WORDS: Final = _wordset(
    """
    yak jak chy czy shcho scho sho de mozhu mozhna mozhno treba potribno potribna potribni ya ja vy
    my nas nam meni mene dlia dlya pro vid vid' yakshcho yakscho yaka yakyi yaki kudy koly chomu
    zapysaty zapysatysia dytynu dytyna dytyny dytyni dity ditei ditey syn synu syna donka donky donci
    sadochok sadochka sadochku sadok sadka sadku sadik dytsadok dytsadka ye nemaye nema
    pryvit dyakuyu diakuiu dyakuju spasybi dobryi dobryj dobriy den' dobroho dobrogo vechir ranku
    bud laska bud'laska budlaska pidkazhit' pidkazhit skazhit' skazhit
    pratsiuvaty pratsyuvaty pratsiuvat robota roboty roku rokiv roky misyats misiats
    shkola shkoly shkolu shcheplennia shcheplennya dovidka dovidku informatsiya informatsiyu
    ukrainskoyu ukrainskoiu ukrainska ukrainy ukraini ukraina zajavu zayavu zaiavu podaty podavaty
    skachaty zavantazhyty adresa adresu telefon hrafik hodyny pryiomu kolo mistse mistsia
    bizhentsi bizhenets dopomoha dopomohu dopomoga psykholoh psiholog vyhovatelka vykhovatelka
    vyhovatel vykhovatel drezdeni drezden nimechchyni
    """
)
_ROMAN_UK_PATTERN = re.compile(
    r"shch|zh|kh|yy|iy$|yi$|yj$|ykh$|(?:a|y)ty$|ennia$|ennya$|s'k|sk(?:yi|yy|oho|omu)$"
)


def _roman_uk_evidence(word: str) -> float:
    if word in _ROMAN_UK_WORDS:
        return 1.0
    return 0.5 if _ROMAN_UK_PATTERN.search(word) else 0.0


# --- language -----------------------------------------------------------------------------------

_RU_LETTERS: Final = frozenset("ыэъё")
_UK_ONLY_WORDS: Final = _wordset(
    "як що чи де та це ми ви мені мене дякую привіт будь ласка потрібно потрібна можна треба "
    "дитина дитину дитини садок садочок садочка садку садік коли хочу маю є немає від"
)
_RU_ONLY_WORDS: Final = _wordset(
    "как что где это мы вы мне меня спасибо привет пожалуйста нужно нужна можно надо ребенок "
    "ребенка ребёнок садик сад садика когда хочу есть нет от ли или"
)
_DE_WORDS: Final = STOP_WORDS["de"] | _wordset(
    "kitaplatz krippe hort kind kinder stadt platz anmeldung anmelden fur fuer "
    "ukrainische ukrainischen gefluechtete erzieherin erzieher eltern mutter sohn tochter"
)
_EN_WORDS: Final = STOP_WORDS["en"] | _wordset(
    "daycare childcare kindergarten child children kid kids son daughter office place city "
    "refugee refugees register apply need help where when"
)
_GERMAN_MARKS: Final = frozenset("äöüß")


@dataclass(frozen=True)
class Reading:
    """One message as the matcher reads it."""

    text: str
    """Normalised as by `normalize` (the cut may fall a word earlier or later)."""
    words: tuple[str, ...]
    """Words before the umlaut folding, for stemming; romanised Ukrainian already in Cyrillic."""
    latin_words: tuple[str, ...]
    """The original Latin spelling of romanised words (Kita, Amt), else empty."""
    lang: str
    confident: bool
    romanized: bool


def detect_language(text: str) -> tuple[str, bool]:
    """The message's language (de, uk, en or ru) and whether the evidence is clear."""
    reading = read(text)
    return reading.lang, reading.confident


def read(text: str) -> Reading:
    """Normalise, split into words, detect the language; romanised Ukrainian becomes Cyrillic."""
    prepared = _prepared(text)
    words = tuple(_WORD.findall(prepared))
    normalized = _cut(prepared.translate(_UMLAUTS))
    cyr = len(_CYRILLIC_LETTER.findall(prepared))
    lat = len(_LATIN_LETTER.findall(prepared))
    if not cyr and not lat:
        return Reading(normalized, words, (), "de", False, False)
    if cyr >= lat:
        lang, confident = _cyrillic_language(words, prepared)
        return Reading(normalized, words, (), lang, confident, False)
    lang, confident, roman = _latin_language(words, prepared)
    if not roman:
        return Reading(normalized, words, (), lang, confident, False)
    converted = tuple(romanized_to_cyrillic(w) if word_script(w) == "latin" else w for w in words)
    return Reading(normalized, converted, words, lang, confident, True)


def _cyrillic_language(words: Iterable[str], text: str) -> tuple[str, bool]:
    uk = sum(text.count(ch) for ch in "іїєґ") + sum(w in _UK_ONLY_WORDS for w in words)
    uk += sum(1 for w in words if "'" in w and word_script(w) == "cyrillic")
    ru = sum(text.count(ch) for ch in _RU_LETTERS) + sum(w in _RU_ONLY_WORDS for w in words)
    if ru > uk:
        return "ru", ru >= 2 or not uk
    return "uk", uk > 0 or len(text) >= 12


def _latin_language(words: tuple[str, ...], text: str) -> tuple[str, bool, bool]:
    """(lang, confident, romanised Ukrainian?) for a message in Latin letters."""
    de = en = uk = 0.0
    for w in words:
        de += w in _DE_WORDS
        en += w in _EN_WORDS
        uk += _roman_uk_evidence(w)
    de += 2 * sum(text.count(ch) for ch in _GERMAN_MARKS)
    if uk > max(de, en) or (uk >= 1 and uk >= max(de, en) and len(words) <= 3):
        return "uk", uk >= 1.5 or uk > de + en, True
    if de >= en:
        return "de", de > en, False
    return "en", True, False


# --- synonyms -----------------------------------------------------------------------------------
# Words people use for the same thing, across our languages and registers (colloquial, loanwords,
# misspellings that are really variants). Each group becomes one extra key, so a message saying
# "садік" meets a topic that says "садочок". Topic-specific words belong in faq/ keywords.

_SYNONYM_GROUPS: Final = (
    "kita kitas kiga kindergarten kindergarden kindertagesstaette kindertageseinrichtung "
    "kindertagesbetreuung daycare day-care nursery preschool childcare кіта кита садок садочок "
    "садік садик дитсадок дитсадочок садка садку садочку садочка садіка дитсадку дитсадка "
    "детсад детсадик садике",
    "krippe kinderkrippe ясла ясельки ясли",
    "platz plaetze kitaplatz betreuungsplatz place places spot spots slot місце місця место",
    "anmelden anmeldung angemeldet beantragen antrag register registration registering "
    "enrol enroll enrolment apply application записати записатися запис заявка заяву заява "
    "записать записаться заявление",
    "impfung impfen geimpft impfpass impfausweis impfnachweis vaccination vaccine vaccinated "
    "jab shot immunisation immunization щеплення вакцина вакцинація щеплень прививка прививки "
    "вакцинация",
    "masern measles кір кору корь кори",
    "psychologe psychologin psychologen psychotherapeut therapeut therapeutin psychologist "
    "therapist counsellor counselor психолог психолога психологом психотерапевт терапевт",
    "amt behoerde office authority відомство амт амту амті ведомство",
    "oeffnungszeiten sprechzeiten geoeffnet offen hours opening open відкрито відкритий "
    "графік открыто",
    "adresse anschrift address адреса адресу адрес",
    "telefon telefonnummer phone telephone телефон телефону номер",
    "flyer handzettel infoblatt infoblaetter merkblatt broschuere leaflet brochure handout "
    "handouts листівка листівки брошура брошуру памятка пам'ятка буклет листовка",
    "erzieherin erzieher paedagogin paedagoge fachkraft educator educators teacher "
    "вихователь вихователька вихователя виховательки педагог воспитатель воспитательница",
    "trauma traumatisiert traumatised traumatized травма травми травмований травмы",
    "krieg war війна війни войны война",
    "beitrag elternbeitrag gebuehr gebuehren kosten fee fees cost costs оплата платити "
    "коштує плата платить стоимость",
    "anerkennung anerkennen anerkannt recognition recognise recognize recognised визнання "
    "визнати підтвердити признание",
    "download downloads herunterladen runterladen завантажити скачати скачать",
)


_MIN_SYNONYM_STEM: Final = 4


def _synonym_index() -> dict[str, str]:
    """Every word of a group, and its stems, under the group's key.

    The stems let other forms of a word find its group ("beantrage" -> beantrag <- "beantragen");
    a stem two groups share belongs to neither.
    """
    index: dict[str, str] = {}
    stems: dict[str, set[str]] = {}
    for number, group in enumerate(_SYNONYM_GROUPS):
        key = f"~{number}"
        for word in group.split():
            flat = word.replace("'", "")
            index[flat] = key
            langs = ("uk", "ru") if word_script(flat) == "cyrillic" else ("de", "en")
            for lang in langs:
                form = stem(flat, lang)
                if len(form) >= _MIN_SYNONYM_STEM:
                    stems.setdefault(form, set()).add(key)
    for form, keys in stems.items():
        if len(keys) == 1 and form not in index:
            index[form] = keys.pop()
    return index


def synonym_key(word: str) -> str | None:
    """The shared key of `word`'s synonym group, if it has one."""
    return _synonyms().get(word.translate(_UMLAUTS).replace("'", ""))


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    """Word or stem (umlauts folded, no apostrophe) -> its group's key; built on first use."""
    return _synonym_index()


# --- who is writing -----------------------------------------------------------------------------
# A Kita leader writes "our Kita", "we as a provider", "I am an educator"; a parent writes "my son".
# Some topics are for one of them (faq/ `audience`), so who writes tips a close race between
# "registration" (a parent) and "kita-admission" (a Kita) without deciding it alone.

_WE: Final = _wordset(
    "wir uns unser unsere unserer unserem unseren we we're we've our us ми нас наш наша наше наші нашому "
    "нашої нашого нашій мы нас наш наша наше наши нашем нашей нашего"
)
_SETTING: Final = _wordset(
    "kita kitas krippe kindergarten einrichtung gruppe gruppen team traeger hort tagespflege "
    "daycare nursery kindergarten preschool group groups team setting centre center facility "
    "садок садочок садку садочку садка садочка група групі групу колектив заклад закладі "
    "садике саду группе группа коллектив"
)
_STAFF: Final = _wordset(
    "traeger kitaleitung kitaleiterin leiterin leiter leitung einrichtungsleitung provider "
    "manager principal staff завідувачка завідуюча завідувач керівниця заведующая"
)
"""Roles only a Kita side has."""
_ROLE: Final = _wordset(
    "erzieherin erzieher tagesmutter tagesvater tagespflegeperson fachkraft paedagogin paedagoge "
    "educator teacher childminder nanny вихователька вихователь вихователькою вихователем "
    "педагог педагогом денна няня воспитательница воспитатель воспитателем"
)
"""Roles a parent may be looking for ("wir suchen eine Tagesmutter"): they count after "I am"."""
_I_AM: Final = _wordset("bin am i'm im я працюю работаю arbeite work working")
_I_AM_NEAR: Final = 3
"""A role counts as the writer's within three words after "I am" ("I work as a childminder"),
not after a bare "as" ("something such as a childminder")."""
_MY: Final = _wordset(
    "mein meine meinen meinem meiner unser unsere unseren my our мій моя мою мого моєї моїй "
    "моєму наш нашу нашого нашої мой моя мою моего моей нашего"
)
_CHILD: Final = _wordset(
    "kind sohn tochter kleine kleiner baby child son daughter kid baby дитина дитину дитини "
    "дитині син сина синові сину донька доньку доньки доньці дочка дочку ребенок ребенка "
    "ребенку сын сына сыну дочь дочери дочке"
)
_CHILD_ALONE: Final = _wordset("синові доньці сину дочке")
"""Words that already say "my child" ("синові 3 роки")."""
_NEAR: Final = 3


_HORT_WORDS: Final = ("hortplatz", "hortbetreu", "hortkind", "продленк", "продлёнк", "продльонк")
_HORT_PHRASES: Final = ("after school", "afterschool", "группа продленного", "група продовженого")


def about_school_care(words: tuple[str, ...]) -> bool:
    """True when the message is about after-school care (Hort, продлёнка), which is for school
    children: "school" and "first grade" in it are context, not a school question."""
    flat = [w.translate(_UMLAUTS) for w in words]
    if any(w in ("hort", "horts") or w.startswith(_HORT_WORDS) for w in flat):
        return True
    text = " ".join(flat)
    return any(phrase in text for phrase in _HORT_PHRASES)


def roles_of_writer(words: tuple[str, ...]) -> frozenset[str]:
    """The role words the writer says of themselves: "Tagesmutter" in "ich bin Tagesmutter"."""
    flat = [w.translate(_UMLAUTS) for w in words]
    return frozenset(
        words[i]
        for i, word in enumerate(flat)
        if word in _ROLE and any(w in _I_AM for w in flat[max(i - _I_AM_NEAR, 0) : i])
    )


_NEED: Final = _wordset(
    "suchen brauchen benoetigen moechten wollen need needs looking want find шукаємо потрібен "
    "потрібна потрібно хочемо ищем нужен нужна нужно хотим"
)
"""'We need a kindergarten' is a family: who looks for a setting does not run one."""


def _runs_a_setting(after: list[str]) -> bool:
    """'we run a bilingual kindergarten', 'unsere kleine Kita': a setting among the next content
    words, with no verb of needing or seeking before it."""
    content = [w for w in after if w not in _STOP_LATIN and w not in _STOP_CYRILLIC][:_NEAR]
    for word in content:
        if word in _NEED:
            return False
        if word in _SETTING:
            return True
    return False


def audiences(words: tuple[str, ...]) -> frozenset[str]:
    """Who seems to write: "kitas" (staff, providers), "families" (parents), both or neither."""
    flat = [w.translate(_UMLAUTS) for w in words]
    found: set[str] = set()
    if roles_of_writer(words):
        found.add("kitas")
    for i, word in enumerate(flat):
        ahead = flat[i + 1 : i + 1 + _NEAR]
        if word in _STAFF or (word in _WE and _runs_a_setting(flat[i + 1 :])):
            found.add("kitas")
        if word in _CHILD_ALONE or (word in _MY and any(w in _CHILD for w in ahead[:2])):
            found.add("families")
    return frozenset(found)


# --- stems --------------------------------------------------------------------------------------

_SNOWBALL: Final = {
    lang: snowballstemmer.stemmer(name)
    for lang, name in (("de", "german"), ("en", "english"), ("ru", "russian"))
}

# Ukrainian has no Snowball stemmer: strip the longest inflection ending, keep >= 3 letters.
_UK_REFLEXIVE: Final = ("ся", "сь")
_UK_ENDINGS: Final = tuple(
    sorted(
        """
        ами ями ові еві ого ому ими ими ій ий ої ою ею єю ям ам ах ях ів їв ей ом ем им их іх ім
        ати яти ити іти ути ував ювати увати ують юють ють ять уть ать ить ить имо емо ємо ите ете єте
        ала ило ила ули али или ало яла ява ав ив ув ли ла ло ло ме му ть ш еш иш ує ю є а я о е и і ї у ь
        ння ння ення ання ок ка ку ки ці ці ина ину ини ині ику
        """.split(),  # noqa: SIM905 - a list one can read
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=8192)
def stem(word: str, lang: str) -> str:
    """A stem for matching: Snowball for de/en/ru, a light suffix stripper for Ukrainian."""
    if lang == "uk":
        return _stem_uk(word)
    stemmer = _SNOWBALL.get(lang)
    return str(stemmer.stemWord(word)) if stemmer else word


def _stem_uk(word: str) -> str:
    word = word.replace("'", "")
    for ending in _UK_REFLEXIVE:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            word = word[: -len(ending)]
            break
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word

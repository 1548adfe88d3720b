"""The real faq/: no errors, every topic of the city's page, all languages, the same facts in every
language, the guide's examples, and a new topic that needs no code.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.knowledge import Problem, load_knowledge, validate
from bot.models import LANGUAGES, KnowledgeBase
from tests.faq_copies import copy_faq, own_copy, save

ROOT = Path(__file__).resolve().parent.parent
REAL_FAQ = ROOT / "faq"


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A fresh copy of the small valid knowledge base."""
    return copy_faq(tmp_path)


REAL_TOPIC_FILES = sorted((REAL_FAQ / "topics").glob("*.yaml"))
URL = re.compile(r"https?://[^\s)\]]+")


@pytest.fixture(scope="module")
def real_problems() -> list[Problem]:
    return validate(REAL_FAQ)


@pytest.fixture(scope="module")
def real_kb(real_problems: list[Problem]) -> KnowledgeBase:
    errors = [str(p) for p in real_problems if p.severity == "error"]
    if errors:
        pytest.fail("faq/ does not load:\n" + "\n".join(errors))
    return load_knowledge(REAL_FAQ)


def test_real_faq_has_no_errors(real_problems: list[Problem]) -> None:
    errors = [str(p) for p in real_problems if p.severity == "error"]
    assert not errors, "\n".join(errors)


CITY_PAGE_TOPICS = (
    "rights",
    "registration",
    "kita-admission",
    "hiring-staff",
    "measles",
    "trauma",
    "ukraine-education",
    "psychosocial-help",
    "downloads",
)
"""The topics of the city's FAQ page (TOPICS.md); faq/ may have more."""


def test_real_faq_has_every_topic_of_the_city_page() -> None:
    present = {path.stem for path in REAL_TOPIC_FILES}
    missing = [topic_id for topic_id in CITY_PAGE_TOPICS if topic_id not in present]
    assert not missing, f"topics without a file in faq/topics: {missing}"


def test_real_topics_speak_all_three_languages_and_link_to_existing_topics(
    real_kb: KnowledgeBase,
) -> None:
    kb = real_kb
    for topic in kb.topics:
        for field_name in ("title", "answer"):
            texts = getattr(topic, field_name)
            assert set(texts) == set(LANGUAGES), f"{topic.id}: {field_name} in {sorted(texts)}"
            assert all(t.strip() for t in texts.values()), f"{topic.id}: empty {field_name}"
        for link in topic.links:
            assert set(link.title) == set(LANGUAGES), f"{topic.id}: link {link.url}"
        unknown = [r for r in topic.related if r not in kb.topic_ids or r == topic.id]
        assert not unknown, f"{topic.id}: related ids {unknown}"


def guide_example(starting: str) -> str:
    """The YAML example in faq/README.md that starts with `starting`."""
    guide = (REAL_FAQ / "README.md").read_text(encoding="utf-8")
    [block] = [
        b for b in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL) if b.startswith(starting)
    ]
    return str(block)


def test_the_guides_sub_answer_and_referral_examples_are_valid(faq: Path) -> None:
    beta = faq / "topics" / "beta.yaml"
    save(beta, beta.read_text(encoding="utf-8") + guide_example("answers:"))
    save(faq / "referrals" / "residence.yaml", guide_example('id: "residence"'))
    assert validate(faq) == []
    kb = load_knowledge(faq)
    when = kb.sub_answer("beta/when")
    assert when is not None and when.answer["uk"].startswith("**Зареєструйте дитину")
    residence = kb.referral("residence")
    assert residence is not None and residence.title["en"] == "Residence permit"


def facts(answer: str) -> set[str]:
    """The URLs and digit runs of an answer: what must not differ between translations."""
    urls = {url.rstrip(".,;:!?") for url in URL.findall(answer)}
    return urls | set(re.findall(r"\d+", URL.sub(" ", answer)))


@pytest.mark.parametrize("path", REAL_TOPIC_FILES, ids=[p.stem for p in REAL_TOPIC_FILES])
def test_real_answers_state_the_same_facts_in_every_language(
    path: Path, real_kb: KnowledgeBase
) -> None:
    topic = real_kb.topic(path.stem)
    assert topic is not None
    found = {lang: facts(topic.answer[lang]) for lang in LANGUAGES}
    every = set().union(*found.values())
    gaps = {lang: sorted(every - have) for lang, have in found.items() if every - have}
    assert not gaps, f"{topic.id}: numbers or URLs missing in a translation: {gaps}"


def test_a_tenth_topic_in_the_real_faq_needs_no_code(
    tmp_path: Path, real_kb: KnowledgeBase
) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(REAL_FAQ, faq)
    save(faq / "topics" / "new-topic.yaml", own_copy(REAL_TOPIC_FILES[0], "new-topic"))
    assert [str(p) for p in validate(faq) if p.severity == "error"] == []
    assert "new-topic" in load_knowledge(faq).topic_ids

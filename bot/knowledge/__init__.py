"""Load `faq/` into a KnowledgeBase; report every problem as file:line:column in plain German.

City staff edit these files, so the loader trusts nothing: it reads only regular files inside the
folder (`reading`), parses strict YAML (`yamlfile`), checks every value against the schema
(`schema`) and across files (`checks`), and builds frozen values (`build`) only when there is no
error. `LiveKnowledge` picks up edited files while the bot runs, keeps serving the last good
knowledge base when an edit is broken, and starts from a snapshot or without the broken files
when faq/ is broken at start (`resilient`, `snapshot`).
"""

from bot.knowledge.folder import KnowledgeError, load_knowledge, validate
from bot.knowledge.live import LiveKnowledge
from bot.knowledge.resilient import Loaded, Source, load_knowledge_resilient
from bot.knowledge.yamlfile import Problem

__all__ = [
    "KnowledgeError",
    "LiveKnowledge",
    "Loaded",
    "Problem",
    "Source",
    "load_knowledge",
    "load_knowledge_resilient",
    "validate",
]

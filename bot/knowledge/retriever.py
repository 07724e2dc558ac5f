"""A LangChain retriever over the knowledge index.

Kept apart from `bot.knowledge.query` because importing `langchain_core` costs about 0.7 s and 40 MB: only code that
hands the knowledge base to LangChain imports this module.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class KnowledgeRetriever(BaseRetriever):
    """A LangChain retriever over a `bot.knowledge.query.KnowledgeIndex`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                metadata={"source": p.source, "section": p.section, "score": p.score, "title": p.title},
            )
            for p in self.index.search(query, self.k)
        ]

"""The knowledge base: markdown chunked (`chunking`) into an FTS5 index kept in step with the files (`index`),
searched (`query`), the citations and case study behind a card (`evidence`), answers (`ask`) and the LangChain
retriever (`retriever`)."""

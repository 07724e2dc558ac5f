"""The knowledge base: its index, the retriever, query expansion and knowledge answers (`ask`)."""

"""Optional LLM mode: the model client, prompt templates and the grounding checks."""

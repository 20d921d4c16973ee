"""Vector-store adapters: the all-MiniLM-L6-v2 embedder and the Chroma chunk store."""

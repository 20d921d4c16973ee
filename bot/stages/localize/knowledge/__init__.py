"""Repository knowledge: chunks, an incremental vector index and hybrid fault localization.

Pure logic lives here (chunking, lexical search, spectrum-based scores, fusion,
packing); the embedding model and Chroma live in connectors/vector/ behind the
`Embedder` and `ChunkStore` protocols of `bot.core.knowledge_ports`.
"""

"""redfix's own database: feedback and conversation state (SQLAlchemy Core)."""

"""Relevance stage: how much a unit matters to security, and why (the why-path)."""
from semdiff.relevance.names import name_relevance

__all__ = ["name_relevance"]

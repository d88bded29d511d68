"""Change-source stage: what the user gave -> `ChangeSet` of `FileChange`s."""
from semdiff.source.request import ChangeRequest
from semdiff.source.collect import collect_changes

__all__ = ["ChangeRequest", "collect_changes"]

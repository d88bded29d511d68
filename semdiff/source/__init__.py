"""Change-source stage: what the user gave -> `ChangeSet` of `FileChange`s."""
from semdiff.model import ChangeSet
from semdiff.source.request import ChangeRequest


def collect_changes(request: ChangeRequest) -> ChangeSet:
    from semdiff.source.collect import collect_changes as _collect

    return _collect(request)


__all__ = ["ChangeRequest", "collect_changes"]

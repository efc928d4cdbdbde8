"""Upstream sources: one module per source, each turning a snapshot into ``SourceRecord``s."""

from modelreg.sync.records import SourceRecord

__all__ = ["SourceRecord"]

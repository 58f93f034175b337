"""Where ``proxy.detect.special`` finds the name lexicon (it moves into
``proxy.detect.recognizers`` with it; see ``proxy.detect.recognizers.names``)."""

from proxy.detect.recognizers.names import lexicon

__all__ = ["lexicon"]

"""The restorer matches exactly the placeholders of its vault, longest first, however many there
are: generated vaults (short tails, so tails collide and lengthen into prefixes of each other)
restore as the one-alternative-per-placeholder expression did, in every form a model writes."""

from __future__ import annotations

import random
import re

import pytest

from proxy.restore.restorer import Restorer, _norm
from proxy.transform.vault import Vault


def _reference(vault: Vault, text: str) -> str:
    """The former matcher: every placeholder as its own alternative, longest first."""
    originals = {_norm(ph[1:-1]): v for ph, v in vault.originals.items()}
    cores = sorted(originals, key=len, reverse=True)
    rx = re.compile("<?(?:" + "|".join(re.escape(c).replace("_", "[_ ]") for c in cores) + ")>?",
                    re.IGNORECASE | re.ASCII)
    return rx.sub(lambda m: originals[_norm(m.group(0).strip("<>"))], text)


def _forms(ph: str, rng: random.Random) -> str:
    core = ph[1:-1]
    return rng.choice([ph, core, core.lower(), core.upper(), f"<{core.upper()}>",
                       core.replace("_", " ", 1), f"{core}>", f"<{core}"])


@pytest.mark.parametrize("seed", range(8))
def test_restores_as_the_reference_matcher(seed: int) -> None:
    rng = random.Random(seed)
    vault = Vault(b"k" * 32, f"tenant{seed}", tail_len=rng.choice([1, 2, 13]))
    types = ["EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "IBAN_CODE", "PERSON_NAME"]
    issued = [vault.placeholder(rng.choice(types), f"value {i}")
              for i in range(rng.randint(1, 400))]
    words = ["the", "Email", "address_", "<", ">", "PERSON", "_", " ", "a", "2", "\n"]
    parts = []
    for _ in range(3000):
        parts.append(_forms(rng.choice(issued), rng) if rng.random() < 0.3 else rng.choice(words))
    text = "".join(parts)
    assert Restorer(vault).restore(text) == _reference(vault, text)

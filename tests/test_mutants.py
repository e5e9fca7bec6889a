"""The catalogue of mutants follows the code: every mutant's text occurs once where it says.

`make mutants` says the same, but only at its start, after the rest of CI; this says it in
`make test`, the moment a change moves the text a mutant breaks.
"""

from mutants.__main__ import load


def test_every_mutant_still_finds_its_text_exactly_once():
    drifted = {mutant.rule: mutant.drift() for mutant in load() if mutant.drift()}
    assert not drifted, f"the catalogue drifted: {drifted}"

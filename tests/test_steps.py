"""Step matching does not depend on the order the step modules load: each step has one definition."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

# Loads the step modules in reverse order into behave's registry, then matches every step of
# every feature (outlines expanded) against every definition of its kind.
CHECK = textwrap.dedent(
    f"""
    import runpy, sys
    from pathlib import Path
    root = Path({str(ROOT)!r})
    import stack  # the site and the suite's support importable
    from behave.parser import parse_file
    from behave.step_registry import registry
    for module in sorted((root / "features" / "steps").glob("*.py"), reverse=True):
        runpy.run_path(str(module))
    steps = 0
    for path in sorted((root / "features").glob("*.feature")):
        feature = parse_file(str(path))
        for scenario in feature.walk_scenarios():
            for step in [*scenario.background_steps, *scenario.steps]:
                definitions = registry.steps[step.step_type] + registry.steps["step"]
                matches = [d.describe() for d in definitions if d.match(step.name)]
                assert len(matches) == 1, f"{{step.location}} {{step.name!r}} matches {{matches}}"
                steps += 1
    print(f"{{steps}} steps, each matched by exactly one definition")
    """
)


def test_every_step_matches_exactly_one_definition_loaded_in_reverse_order():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "each matched by exactly one definition" in result.stdout

"""behave's progress formatters, knowing every status a scenario can end in.

behave's own map has no letter for a scenario whose cleanup failed (a stack that would not heal,
say): the formatter raised KeyError and the run stopped before its teardowns. Here it is "C".
"""

from behave.formatter.progress import ScenarioProgressFormatter, ScenarioStepProgressFormatter
from behave.model_core import Status

DOTS = {**ScenarioProgressFormatter.dot_status, Status.cleanup_error: "C"}


class Progress(ScenarioProgressFormatter):
    dot_status = DOTS


class ProgressWithSteps(ScenarioStepProgressFormatter):
    dot_status = DOTS

"""behave's runner, quiet where harvest speaks for it."""

from behave.runner import Runner


class QuietSetupRunner(Runner):
    """A set-up (before_all) that fails: behave printed the error; harvest says it again in one
    line, from the run record, rather than behave's abort message."""

    def abort(self, reason=None):
        if reason == "HOOK-ERROR in hook=before_all" and self.context is not None:
            self.aborted = True
            return
        super().abort(reason)

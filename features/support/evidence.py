"""A failed scenario's evidence under reports/<feature>/<scenario>/: responses, log tails, the browser."""

import base64
import re


def slug(text):
    return re.sub(r"[^\w.-]+", "-", text, flags=re.ASCII).strip("-")[:80] or "unnamed"


def folder(scenario, reports, attempt=None):
    """Where a scenario's evidence goes; with retries (harvest --retry), each attempt its own."""
    kept = reports / slug(scenario.feature.name) / slug(scenario.name)
    return kept / f"attempt-{attempt}" if attempt else kept


def keep(context, scenario, reports):
    folder = folder_for(context, scenario, reports)
    folder.mkdir(parents=True, exist_ok=True)
    responses = context.state.responses
    (folder / "responses.txt").write_text("\n\n".join(r.describe() for r in responses) or "no responses\n")
    for name, text in context.stack.log_tails().items():
        (folder / name).write_text(text)
    if context.state.browser is not None:
        _browser(context.state.browser, folder)
        _embed_screenshot(context, folder / "screenshot.png")
    print(f"  evidence kept in {folder}")


def folder_for(context, scenario, reports):
    """The folder for this scenario; with harvest --retry, its attempt's (harvest/project.py)."""
    return folder(scenario, reports, context.config.userdata.get("harvest.attempt"))


def _browser(browser, folder):
    """Screenshot, page source and console messages of the browser, whichever engine it is."""
    try:
        (folder / "screenshot.png").write_bytes(browser.screenshot_png())
        (folder / "page.html").write_text(browser.page_source())
        (folder / "console.log").write_text("".join(f"{line}\n" for line in browser.console()))
    except Exception as error:
        (folder / "browser-error.txt").write_text(f"browser evidence unavailable: {error}\n")


def _embed_screenshot(context, screenshot):
    """Put the failure's screenshot into the reports: behave's own attach (the JSON report,
    Cucumber Messages), and the HTML report's embed (harvest --html), when one is written."""
    if not screenshot.exists():
        return
    context.attach("image/png", screenshot.read_bytes())
    for formatter in getattr(context._runner, "formatters", []):
        if getattr(formatter, "name", "") == "html-pretty":
            data = base64.b64encode(screenshot.read_bytes()).decode("ascii")  # the formatter wants base64
            formatter.embed("image/png", data, caption="The browser at the failure")

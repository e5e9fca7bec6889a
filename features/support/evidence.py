"""A failed scenario's evidence under reports/<feature>/<scenario>/: responses, log tails, the browser."""

import base64
import re


def slug(text):
    return re.sub(r"[^\w.-]+", "-", text, flags=re.ASCII).strip("-")[:80] or "unnamed"


def keep(context, scenario, reports):
    folder = reports / slug(scenario.feature.name) / slug(scenario.name)
    folder.mkdir(parents=True, exist_ok=True)
    responses = getattr(context, "responses", [])
    (folder / "responses.txt").write_text("\n\n".join(r.describe() for r in responses) or "no responses\n")
    for name, text in context.stack.log_tails().items():
        (folder / name).write_text(text)
    if context.browser is not None:
        _browser(context.browser, folder)
        _embed_screenshot(context, folder / "screenshot.png")
    print(f"  evidence kept in {folder}")


def _browser(driver, folder):
    """Screenshot, page source and console log of the browser."""
    try:
        driver.save_screenshot(str(folder / "screenshot.png"))
        (folder / "page.html").write_text(driver.page_source)
        try:
            entries = driver.get_log("browser")
        except Exception:  # not every driver keeps a console log
            entries = []
        (folder / "console.log").write_text(
            "".join(f"{e.get('level')} {e.get('message')}\n" for e in entries)
        )
    except Exception as error:
        (folder / "browser-error.txt").write_text(f"browser evidence unavailable: {error}\n")


def _embed_screenshot(context, screenshot):
    """Put the failure's screenshot into the HTML report (harvest --html), when one is written."""
    if not screenshot.exists():
        return
    for formatter in getattr(context._runner, "formatters", []):
        if getattr(formatter, "name", "") == "html-pretty":
            data = base64.b64encode(screenshot.read_bytes()).decode("ascii")  # the formatter wants base64
            formatter.embed("image/png", data, caption="The browser at the failure")

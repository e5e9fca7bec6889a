"""Reading a page as a reader does: its visible text, and which elements it has."""

from html.parser import HTMLParser

INVISIBLE = {"script", "style", "head", "title", "template"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in INVISIBLE:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def read(html):
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def visible_text(html):
    """The text a reader sees, entities decoded, white space folded."""
    return " ".join("".join(read(html).text).split())


def elements(html, tag):
    return read(html).tags.count(tag)

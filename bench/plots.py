"""The plots of docs/performance.md, drawn from a section's results (PNG, in docs/images/)."""

from pathlib import Path

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def scale(results, folder=IMAGES):
    """One image per measure of `make bench BENCH=scale`, against the number of stored pages."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    folder.mkdir(parents=True, exist_ok=True)
    rows = results["rows"]
    pages = [row["pages"] for row in rows]
    figures = {
        "scale-bytes.png": (
            "memcached bytes per stored page",
            [("memcached bytes per page", "memcached"), ("page bytes", "the page itself")],
        ),
        "scale-purge.png": ("one edit's purge of the tag, seconds", [("purge s", "purge")]),
        "scale-hits.png": ("hits per second through nginx", [("hits per s", "pages drawn at random")]),
        "scale-hit-p99.png": ("a hit's p99 latency, ms", [("hit p99 ms", "pages drawn at random")]),
        "scale-rates.png": (
            "pages per second",
            [("pages stored per s", "stored (renders)"), ("pages purged per s", "purged (one edit)")],
        ),
    }
    written = []
    for name, (label, lines) in figures.items():
        figure, axes = pyplot.subplots(figsize=(6, 3.5), dpi=100)
        for key, legend in lines:
            axes.plot(pages, [row[key] for row in rows], marker="o", label=legend)
        axes.set_xscale("log")
        if name == "scale-purge.png":
            axes.set_yscale("log")
        else:
            axes.set_ylim(bottom=0)
        axes.set_xlabel("pages stored under one tag")
        axes.set_ylabel(label)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
        figure.tight_layout()
        figure.savefig(folder / name)
        pyplot.close(figure)
        written.append(folder / name)
    return written

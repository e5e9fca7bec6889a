"""The specs as a document: features with their narratives, scenarios, tags and steps."""

UNDEFINED = "   <- no step definition"


def _tags(tags, indent):
    return [indent + " ".join(f"@{t}" for t in tags)] if tags else []


def _steps(steps, undefined, indent):
    lines = []
    for step in steps:
        flag = UNDEFINED if (str(step.filename), step.line) in undefined else ""
        lines.append(f"{indent}{step.keyword} {step.name}{flag}")
        if step.table:
            lines.extend(_table(step.table, indent + "  "))
        if step.text:
            lines.extend(
                [f'{indent}  """', *(indent + "  " + t for t in step.text.splitlines()), f'{indent}  """']
            )
    return lines


def _table(table, indent):
    rows = [table.headings, *[row.cells for row in table.rows]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(table.headings))]
    return [
        indent + "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]


def _scenarios(container, undefined, indent):
    lines = []
    for scenario in container.scenarios:
        lines += _tags(scenario.tags, indent)
        lines.append(f"{indent}{scenario.keyword}: {scenario.name}")
        lines += _steps(scenario.steps, undefined, indent + "  ")
        for examples in getattr(scenario, "examples", []):
            lines.append(f"\n{indent}  {examples.keyword}: {examples.name}".rstrip())
            lines += _table(examples.table, indent + "    ")
        lines.append("")
    return lines


def render(features, undefined_steps=()):
    """The document's lines; steps listed in undefined_steps (file, line) are flagged."""
    undefined = {(str(s.filename), s.line) for s in undefined_steps}
    lines = []
    for feature in features:
        lines += _tags(feature.tags, "")
        lines.append(f"{feature.keyword}: {feature.name}")
        lines += [f"  {line}" for line in feature.description]
        lines.append("")
        if feature.background:
            lines.append(f"  {feature.background.keyword}:")
            lines += _steps(feature.background.steps, undefined, "    ")
            lines.append("")
        lines += _scenarios(feature, undefined, "  ")
        for rule in feature.rules:
            lines += _tags(rule.tags, "  ")
            lines.append(f"  {rule.keyword}: {rule.name}")
            lines.append("")
            lines += _scenarios(rule, undefined, "    ")
    return lines

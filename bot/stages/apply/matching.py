"""Finding a model's SEARCH text in a file, from strict to tolerant.

The ladder, each rung tried only when the one before found nothing:

1. exact lines
2. ignoring trailing whitespace
3. ignoring leading whitespace (the replacement is re-indented to the file)
4. ignoring blank lines as well
5. ignoring all whitespace inside lines
6. fuzzy: the one best run of lines at least 90% similar (see `_fuzzy`)

A rung that finds several places asks the hint line to pick the nearest one and
otherwise refuses: an ambiguous edit is reported, never guessed. Outside the
exact rung, lines the model meant to keep (equal in its SEARCH and REPLACE) are
written back exactly as the file had them, so tolerance never rewrites context.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.stages.apply.refusal import Refusal

FUZZY_THRESHOLD = 0.9
FUZZY_MIN_LINES = 3
_MAX_REPORTED_LINES = 5


@dataclass(frozen=True)
class Located:
    """Lines [start, end) of the file; `pairs` maps SEARCH line indexes to file line indexes."""

    start: int
    end: int
    pairs: tuple[tuple[int, int], ...]
    how: str


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _squeezed(line: str) -> str:
    return "".join(line.split())


def _occurrences(haystack: Sequence[str], needle: Sequence[str]) -> list[int]:
    if not needle or len(needle) > len(haystack):
        return []
    first, size = needle[0], len(needle)
    return [
        start
        for start in range(len(haystack) - size + 1)
        if haystack[start] == first and list(haystack[start : start + size]) == list(needle)
    ]


def _whole_line_rungs(
    file_lines: Sequence[str], search_lines: Sequence[str]
) -> list[Located] | None:
    keys: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("exact", lambda line: line),
        ("trailing whitespace ignored", str.rstrip),
        ("indentation ignored", str.strip),
    )
    for how, key in keys:
        starts = _occurrences([key(line) for line in file_lines], [key(s) for s in search_lines])
        if starts:
            return [_exact_at(start, len(search_lines), how=how) for start in starts]
    return None


def _exact_at(start: int, size: int, *, how: str = "exact") -> Located:
    return Located(start, start + size, tuple((i, start + i) for i in range(size)), how)


def _nonblank(lines: Sequence[str]) -> list[int]:
    return [index for index, line in enumerate(lines) if line.strip()]


def _nonblank_rungs(file_lines: Sequence[str], search_lines: Sequence[str]) -> list[Located] | None:
    file_rows, search_rows = _nonblank(file_lines), _nonblank(search_lines)
    for how, key in (("blank lines ignored", str.strip), ("whitespace ignored", _squeezed)):
        haystack = [key(file_lines[row]) for row in file_rows]
        needle = [key(search_lines[row]) for row in search_rows]
        starts = _occurrences(haystack, needle)
        if starts:
            return [_spread(file_rows, search_rows, offset=start, how=how) for start in starts]
    return None


def _spread(
    file_rows: Sequence[int], search_rows: Sequence[int], *, offset: int, how: str
) -> Located:
    matched = file_rows[offset : offset + len(search_rows)]
    return Located(matched[0], matched[-1] + 1, tuple(zip(search_rows, matched, strict=True)), how)


def _fuzzy(file_lines: Sequence[str], search_lines: Sequence[str]) -> list[Located]:
    """The unique best run of non-blank lines at least FUZZY_THRESHOLD similar.

    Safe enough to apply because: the run has exactly as many non-blank lines as
    the SEARCH (no lines swallowed or skipped); SEARCH has at least three of them
    (one short line is too easily similar to another); at least half of the lines
    must already be equal ignoring whitespace; a second run that scores as well,
    or a separate run above the threshold, makes it ambiguous and it is refused;
    lines the model kept are written back as the file has them; and the result
    still has to parse, pass policy and pass the tests before anyone sees it.
    """
    file_rows, search_rows = _nonblank(file_lines), _nonblank(search_lines)
    size = len(search_rows)
    if size < FUZZY_MIN_LINES or size > len(file_rows):
        return []
    needle = [_squeezed(search_lines[row]) for row in search_rows]
    haystack = [_squeezed(file_lines[row]) for row in file_rows]
    scored: list[tuple[float, int]] = []
    for offset in range(len(haystack) - size + 1):
        window = haystack[offset : offset + size]
        if 2 * sum(a == b for a, b in zip(window, needle, strict=True)) < size:
            continue
        ratio = difflib.SequenceMatcher(None, "\n".join(needle), "\n".join(window)).ratio()
        if ratio >= FUZZY_THRESHOLD:
            scored.append((ratio, offset))
    if not scored:
        return []
    best_ratio, best = max(scored)
    rivals = [
        offset
        for ratio, offset in scored
        if offset != best and (ratio >= best_ratio or abs(offset - best) >= size)
    ]
    if rivals:
        return [_spread(file_rows, search_rows, offset=o, how="fuzzy") for o in [best, *rivals]]
    return [_spread(file_rows, search_rows, offset=best, how="fuzzy")]


def locate(
    file_lines: Sequence[str], search_lines: Sequence[str], *, hint_line: int | None
) -> Located | Refusal:
    """Where `search_lines` are in `file_lines` (both with line ends), or why not."""
    if hint_line is not None and not 0 < hint_line <= len(file_lines):
        hint_line = None  # a line the file does not have cannot pick between places
    if not any(line.strip() for line in search_lines):
        exact = _occurrences(file_lines, search_lines)  # blank lines: nothing to be tolerant about
        if not exact:
            return Refusal("the SEARCH part is blank; quote the lines to change")
        found = [_exact_at(start, len(search_lines)) for start in exact]
        return found[0] if len(found) == 1 else _pick_by_hint(found, hint_line=hint_line)
    found = (
        _whole_line_rungs(file_lines, search_lines)
        or _nonblank_rungs(file_lines, search_lines)
        or _fuzzy(file_lines, search_lines)
    )
    if not found:
        return describe_mismatch(file_lines, search_lines)
    if len(found) == 1:
        return found[0]
    return _pick_by_hint(found, hint_line=hint_line)


def _pick_by_hint(found: Sequence[Located], *, hint_line: int | None) -> Located | Refusal:
    if hint_line is not None:
        distances = sorted((abs(place.start + 1 - hint_line), place.start) for place in found)
        if distances[0][0] != distances[1][0]:
            return next(place for place in found if place.start == distances[0][1])
    lines = ", ".join(str(place.start + 1) for place in found)
    return Refusal(
        f"the SEARCH text matches {len(found)} places (lines {lines}); "
        "include more surrounding lines so that it matches exactly one"
    )


def splice(
    file_lines: Sequence[str],
    place: Located,
    *,
    search_lines: Sequence[str],
    replace_lines: Sequence[str],
) -> list[str]:
    """The file's lines with `place` replaced by the model's replacement, re-indented."""
    if place.how == "exact":
        replacement = list(replace_lines)
    else:
        replacement = _adapted(file_lines, place, search_lines, replace_lines)
    return [*file_lines[: place.start], *replacement, *file_lines[place.end :]]


def _adapted(
    file_lines: Sequence[str],
    place: Located,
    search_lines: Sequence[str],
    replace_lines: Sequence[str],
) -> list[str]:
    file_row = dict(place.pairs)
    unseen = set(range(place.start, place.end)) - set(file_row.values())
    indents = _indent_map(file_lines, place, search_lines)
    matcher = difflib.SequenceMatcher(None, list(search_lines), list(replace_lines), autojunk=False)
    adapted: list[str] = []
    last_kept: int | None = None
    for tag, s_from, _s_to, r_from, r_to in matcher.get_opcodes():
        for offset, line in enumerate(replace_lines[r_from:r_to]):
            kept = file_row.get(s_from + offset) if tag == "equal" else None
            if kept is not None:
                # blank lines of the file the model's SEARCH skipped stay where they were
                start = place.start if last_kept is None else last_kept + 1
                adapted.extend(file_lines[row] for row in range(start, kept) if row in unseen)
                adapted.append(file_lines[kept])
                last_kept = kept
            elif tag != "equal" or line.strip():  # a kept blank line the file lacks: drop it
                adapted.append(_reindent(line, indents))
    return adapted


def _indent_map(
    file_lines: Sequence[str], place: Located, search_lines: Sequence[str]
) -> dict[str, str]:
    """The model's indentation -> the file's, learnt from the lines that matched."""
    seen: dict[str, Counter[str]] = {}
    for search_row, file_row in place.pairs:
        model, actual = search_lines[search_row], file_lines[file_row]
        if model.strip() and _squeezed(model) == _squeezed(actual):
            seen.setdefault(_indent(model), Counter())[_indent(actual)] += 1
    return {model: counts.most_common(1)[0][0] for model, counts in seen.items()}


def _reindent(line: str, indents: dict[str, str]) -> str:
    if not line.strip() or not indents:
        return line
    prefix = _indent(line)
    if prefix in indents:
        return indents[prefix] + line[len(prefix) :]
    known = sorted((model for model in indents if prefix.startswith(model)), key=len)
    if known:
        base = known[-1]
        return indents[base] + prefix[len(base) :] + line[len(prefix) :]
    base = min(indents, key=len)  # deeper in the file than anything matched: shift uniformly
    width = max(0, len(prefix) + len(indents[base]) - len(base))
    return " " * width + line[len(prefix) :]


def describe_mismatch(file_lines: Sequence[str], search_lines: Sequence[str]) -> Refusal:
    """Which SEARCH lines are not in the file, each with the most similar file line."""
    present = {line.strip() for line in file_lines}
    missing = [row for row in _nonblank(search_lines) if search_lines[row].strip() not in present]
    if not missing:
        return Refusal(
            "every SEARCH line exists in the file, but not together in this order; "
            "copy the lines exactly as they appear in the file",
            unmatched=_broken_run(file_lines, search_lines),
        )
    report = [
        _line_report(row, search_lines[row], file_lines) for row in missing[:_MAX_REPORTED_LINES]
    ]
    more = len(missing) - _MAX_REPORTED_LINES
    if more > 0:
        report.append(f"... and {more} more SEARCH lines not found")
    return Refusal(
        f"{len(missing)} SEARCH line(s) are not in the file; "
        "copy the lines exactly as they appear in the file",
        unmatched="\n".join(report),
    )


def _line_report(row: int, line: str, file_lines: Sequence[str]) -> str:
    text = f"SEARCH line {row + 1}: {line.rstrip()}"
    nearest = _most_similar(line.strip(), file_lines)
    if nearest is None:
        return f"{text}\n  (nothing similar in the file)"
    return f"{text}\n  file line {nearest + 1}: {file_lines[nearest].rstrip()}"


def _most_similar(target: str, file_lines: Sequence[str]) -> int | None:
    best_ratio, best_row = 0.5, None  # below half similar is no help to anyone
    matcher = difflib.SequenceMatcher(None, b=target, autojunk=False)
    for row, line in enumerate(file_lines):
        matcher.set_seq1(line.strip())
        if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio:
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best_ratio, best_row = ratio, row
    return best_row


def _broken_run(file_lines: Sequence[str], search_lines: Sequence[str]) -> str:
    """The first SEARCH line that breaks the longest run found in the file."""
    stripped_file = [line.strip() for line in file_lines]
    stripped_search = [line.strip() for line in search_lines]
    longest, at = 0, 0
    for start in range(len(stripped_file)):
        length = 0
        while (
            length < len(stripped_search)
            and start + length < len(stripped_file)
            and stripped_file[start + length] == stripped_search[length]
        ):
            length += 1
        if length > longest:
            longest, at = length, start
    row = min(longest, len(search_lines) - 1)
    following = at + longest
    found = file_lines[following].rstrip() if following < len(file_lines) else "(end of file)"
    return (
        f"SEARCH line {row + 1}: {search_lines[row].rstrip()}\n  file line {following + 1}: {found}"
    )

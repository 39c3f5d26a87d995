"""Shared parts of the shipline-risk audits (`risk-audit.py`, `risk-bump-accuracy.py`,
`risk-release-rank.py`): what git says about a repository, and how to run the tool so that it
cannot see a forge.

- `gitrepo`: tags, tag families, release ranges, commits and their diffs, blobs.
- `lines`: which changed lines are code (not comments, doc comments, blank or whitespace-only).
- `deps`: lockfile and manifest contents, and what changed between two revisions.
- `summary`: reading the Markdown summary back (first table, top risks, sections, lists).
- `claims`: every check, by class of false claim.
- `tool`: running shipline-risk in local mode.
"""

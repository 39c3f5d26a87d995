"""Split a GitLab CI template with a `spec:` header into its two YAML documents.

check-jsonschema validates one document at a time: the header (`spec: inputs:`) is not a pipeline,
so only the second document is checked against the gitlab-ci schema. Interpolations such as
`$[[ inputs.stage ]]` are left as they are: they are strings to the schema.
Usage: python split-gitlab-template.py TEMPLATE OUT_DIR
"""
import pathlib
import sys

template, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
text = template.read_text()
parts = [p for p in text.split("\n---\n")]
if len(parts) == 1:
    header, jobs = "", parts[0]
else:
    header, jobs = parts[0], "\n---\n".join(parts[1:])
out_dir.mkdir(parents=True, exist_ok=True)
(out_dir / "spec.yml").write_text(header + "\n")
(out_dir / "jobs.yml").write_text(jobs)
print(f"{template}: spec header {len(header.splitlines())} lines, jobs {len(jobs.splitlines())} lines")

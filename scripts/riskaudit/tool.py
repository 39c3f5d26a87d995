"""Running shipline-risk in local mode: no token, no CI variables, so it cannot see a forge."""

import os
import subprocess
import time

HIDDEN_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "SHIPLINE_", "GH_", "GL_", "BUILDKITE", "RUNNER_")
HIDDEN_NAMES = {"CI", "GITLAB_CI", "GITHUB_ACTIONS", "TF_BUILD", "JENKINS_URL"}


def local_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith(HIDDEN_PREFIXES) and k not in HIDDEN_NAMES}


def run(binary, repo_path, args, timeout=900):
    """(exit code, stdout, stderr, seconds) of `binary args` run in `repo_path`."""
    start = time.monotonic()
    try:
        p = subprocess.run([binary, *args], cwd=repo_path, env=local_env(), capture_output=True, timeout=timeout)
        code, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, out, err = None, "", f"timed out after {timeout} s"
    return code, out, err, time.monotonic() - start

"""`python -m bench [NAME ...]`: run every benchmark module of this package, or the named ones.

Each runs in its own process because each chooses its throwaway database before Django starts.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bench_modules() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(PACKAGE_DIR)])
        if not module.name.startswith("_")
    )


def main(names: list[str]) -> int:
    failed = []
    for name in names or bench_modules():
        print(f"== bench.{name}", flush=True)
        command = [sys.executable, "-m", f"bench.{name}"]
        if subprocess.run(command, cwd=PACKAGE_DIR.parent, check=False).returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

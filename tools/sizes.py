"""make sizes: the shape limits of issue 24, measured on the Python package and the tools.

No class over 300 lines, no function or method over 60 (data tables aside: a module-level
assignment is not a function), no module over 450, the one module that imports `js` at most
400. Prints every module's size and what passes a limit; exits 1 when anything does.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"class": 300, "function": 60, "module": 450, "shell": 400}


def over(path: Path) -> list[str]:
    text = path.read_text()
    tree = ast.parse(text)
    found = []
    lines = len(text.splitlines())
    shell = any(isinstance(n, (ast.Import, ast.ImportFrom)) and any(a.name.split(".")[0] in ("js", "pyodide") for a in n.names)
                or isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "pyodide" for n in ast.walk(tree))
    limit = LIMITS["shell"] if shell else LIMITS["module"]
    if lines > limit:
        found.append(f"module {lines} lines (limit {limit}{', it imports js' if shell else ''})")
    for node in ast.walk(tree):
        size = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
        if isinstance(node, ast.ClassDef) and size > LIMITS["class"]:
            found.append(f"class {node.name} {size} lines")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and size > LIMITS["function"]:
            found.append(f"function {node.name} {size} lines")
    return found


def main() -> int:
    bad = 0
    for folder in ("py/backprop_sim", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            problems = over(path)
            print(f"{path.relative_to(ROOT)}: {len(path.read_text().splitlines())} lines" + ("" if not problems else "  OVER: " + "; ".join(problems)))
            bad += bool(problems)
    print("all within the limits" if not bad else f"{bad} module(s) pass a limit")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

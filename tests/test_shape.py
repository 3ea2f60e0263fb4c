"""Issue 24's shape limits (tools/sizes.py, `make sizes`), held by every run of the suite."""

import sizes  # tools/sizes.py


def test_the_package_and_the_tools_are_within_the_shape_limits(capsys):
    assert sizes.main() == 0, capsys.readouterr().out


def test_the_limits_are_found_when_passed(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    (tmp_path / "long.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n    return 0\n")
    assert sizes.over(tmp_path / "long.py") == ["function long 62 lines"]
    (tmp_path / "shell.py").write_text("import js\n" + "x = 1\n" * 400)
    assert sizes.over(tmp_path / "shell.py") == ["module 401 lines (limit 400, it imports js)"]
    (tmp_path / "plain.py").write_text("x = 1\n" * 401)
    assert sizes.over(tmp_path / "plain.py") == []

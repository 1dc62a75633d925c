import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_documented_in_env_example():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|float|list)\(\s*"([A-Z_]+)"', settings_text))
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', settings_text))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no environment variables found: the pattern is out of date"
    assert read - documented == set()

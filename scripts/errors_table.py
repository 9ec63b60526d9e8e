"""Rewrite the table in docs/errors.md from paygate.lib.api.ErrorCode (run after adding a code)."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paygate.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from paygate.lib.api import ErrorCode  # noqa: E402

rows = ["| code | name | HTTP | meaning |", "|---|---|---|---|"]
rows += [f"| {e.code} | `{e.name}` | {e.status} | {e.description} |" for e in ErrorCode]
doc = ROOT / "docs" / "errors.md"
text = doc.read_text()
text = re.sub(r"\| code \| name \|.*", "\n".join(rows) + "\n", text, flags=re.S)
doc.write_text(text)
print(f"{len(rows) - 2} codes written to {doc.relative_to(ROOT)}")

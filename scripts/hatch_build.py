"""Hatch build hook: compile the gettext catalogues (.po -> .mo) with polib.

Runs on `pip install .` and `pip install -e .`, so a user's machine needs no system gettext.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileMessagesHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        module_path = Path(self.root) / "src" / "snigi" / "core" / "catalogues.py"
        spec = importlib.util.spec_from_file_location("snigi_catalogues", module_path)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {module_path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        compiled = module.compile_catalogues(Path(self.root) / "src" / "snigi")
        self.app.display_info(f"snigi: compiled {len(compiled)} translation catalogue(s)")

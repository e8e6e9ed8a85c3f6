"""Writing files so that a failure (disk full, read-only folder) never leaves a broken one."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic within a folder, so readers see the old file or the new one,
    never a truncated one. On any error the temporary file is removed and the error
    raised; the previous ``path``, if any, is untouched.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()  # replace the file the link points to, keep the link
    if path.exists() and not path.is_file():
        write(path)  # a pipe or device (/dev/null) cannot be replaced, only written to
        return
    partial = path.with_name(path.name + ".part")
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise

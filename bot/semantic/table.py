"""The model's table of token vectors, read from its safetensors file without a library: an 8-byte header length,
a JSON header naming the tensor's type, shape and place, then the raw little-endian numbers. The file is mapped, not
read, so a process touches only the rows its texts use.
"""

import json
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from . import ModelError

NAME = "embeddings"
# The number types a distilled table comes in, with their size and struct code.
TYPES = {"F16": (2, "e"), "F32": (4, "f")}


@dataclass(frozen=True)
class Table:
    buffer: memoryview  # the rows, one after another
    kind: str  # "F16" or "F32"
    rows: int
    dimensions: int

    def row(self, token: int) -> tuple[float, ...]:
        size, code = TYPES[self.kind]
        return struct.unpack_from(f"<{self.dimensions}{code}", self.buffer, token * self.dimensions * size)


def read_table(path: Path) -> Table:
    try:
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        (header_size,) = struct.unpack_from("<Q", mapped)
        header = json.loads(bytes(mapped[8:8 + header_size]))
        tensor = header[NAME]
        kind, (rows, dimensions), (start, end) = tensor["dtype"], tensor["shape"], tensor["data_offsets"]
    except (OSError, ValueError, struct.error) as error:
        raise ModelError(f"cannot read the model table {path}: {error}") from error
    except (KeyError, TypeError) as error:
        raise ModelError(f"{path} holds no {NAME} table of two dimensions") from error
    if (kind not in TYPES or start < 0 or end - start != rows * dimensions * TYPES[kind][0]
            or 8 + header_size + end > len(mapped)):
        raise ModelError(f"{path}: the {NAME} table's type ({kind}) or size does not match the file")
    return Table(memoryview(mapped)[8 + header_size + start:8 + header_size + end], kind, rows, dimensions)

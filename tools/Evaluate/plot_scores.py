"""Score histograms for build/evaluate: same-label vs different-label pair scores (and transformed copies)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = json.load(open(sys.argv[1]))
panels = data["panels"]
fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3.2 * len(panels)), squeeze=False)
bins = [i / 50 - 1 for i in range(101)]
for ax, panel in zip(axes[:, 0], panels):
    for name, scores in panel["series"].items():
        if scores:
            ax.hist(scores, bins=bins, density=True, histtype="step", linewidth=1.5, label=f"{name} (n={len(scores)})")
    ax.set_title(panel["title"])
    ax.set_xlabel("cosine score")
    ax.set_ylabel("density")
    ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
